/**
 * The operational HTTP endpoints of the worker and the watcher: `/metrics` (Prometheus text format),
 * `/healthz` (the process is alive) and `/readyz` (it can do its job: connected and caches synced).
 */
import http from 'node:http';
import type { Registry } from 'prom-client';

export interface ObservabilityServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** Extra metrics text appended to /metrics (e.g. the Temporal SDK's own, scraped from its exporter). */
  extraMetrics?: () => Promise<string>;
  /** Why the process is not ready, or undefined when it is. */
  notReadyReason: () => string | undefined;
}

export interface ObservabilityServer {
  port: number;
  close(): Promise<void>;
}

export async function startObservabilityServer(o: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/metrics') {
        const own = await o.registry.metrics();
        const extra = o.extraMetrics ? await o.extraMetrics().catch(() => '') : '';
        res.writeHead(200, { 'content-type': o.registry.contentType });
        res.end(extra ? `${own}\n${extra}` : own);
      } else if (path === '/healthz' || path === '/livez') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
      } else if (path === '/readyz') {
        const reason = o.notReadyReason();
        res.writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' });
        res.end(reason ? `not ready: ${reason}\n` : 'ok\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${err instanceof Error ? err.message : String(err)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : o.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
