/**
 * A front for the stack's Kubernetes API server that a test can make misbehave the way a real one does
 * on a bad day. Every request is passed through to the real server (over TLS, with the credentials of the
 * kubeconfig it fronts: the stack's client certificate, or a ServiceAccount's token), except what the
 * test asks for:
 * - `fail(match, status, times?)`: answer matching requests with an API error (a `Status` with its HTTP
 *   code), e.g. 503, which a healthy API server does not give on demand (a real 403 comes from RBAC: see
 *   `serviceAccountKubeConfig` in stack.ts); only the first `times` of them when given;
 * - `count(match)`: how many matching requests went through to the server;
 * - `silenceWatches()`: open watches stay connected but deliver nothing more (a stalled connection);
 * - `expireWatches()`: open watches get the `ERROR` event a real server sends when the resourceVersion
 *   they resume from is too old (410 Gone, reason Expired), and end.
 * Clients reach it through `kubeConfig()` (plain HTTP on 127.0.0.1).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';

export interface ApiStatus {
  code: number;
  reason: string;
  message: string;
}

export interface RequestMatch {
  method?: string;
  /** A part of the path, e.g. `/pipelineruns`, or a pattern the path (with its query) must match. */
  path?: string | RegExp;
}

export interface ApiServerFront {
  port: number;
  kubeConfig(): k8s.KubeConfig;
  /**
   * Answers requests matching `match` with `status` until `clear()`, or only the first `times` of them;
   * returns how many were answered.
   */
  fail(match: RequestMatch, status: ApiStatus, times?: number): { readonly answered: number };
  /** Counts the requests matching `match` that are passed through to the server from now on. */
  count(match: RequestMatch): { readonly passed: number };
  clear(): void;
  /** Open watches (not later ones) stop delivering anything, and stay open. */
  silenceWatches(): void;
  /** Open watches receive a 410 Expired ERROR event and end. */
  expireWatches(): void;
  /** Watches the real server accepted that are still open. */
  readonly openWatches: number;
  close(): Promise<void>;
}

interface OpenWatch {
  response: http.ServerResponse;
  upstream: http.ClientRequest;
  silenced: boolean;
}

/** The body a Kubernetes API server sends with an error. */
export function statusBody(status: ApiStatus): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: status.message,
    reason: status.reason,
    code: status.code,
  });
}

export async function startApiServerFront(target: k8s.KubeConfig): Promise<ApiServerFront> {
  const cluster = target.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const server = new URL(cluster.server);
  const tls: https.RequestOptions = {};
  await target.applyToHTTPSOptions(tls);
  const failures: { match: RequestMatch; status: ApiStatus; answered: number; times?: number }[] = [];
  const counters: { match: RequestMatch; passed: number }[] = [];
  const watches = new Set<OpenWatch>();
  const matches = (match: RequestMatch, req: http.IncomingMessage) =>
    (!match.method || match.method === req.method) &&
    (!match.path ||
      (typeof match.path === 'string' ? (req.url ?? '').includes(match.path) : match.path.test(req.url ?? '')));

  const front = http.createServer((req, res) => {
    const failure = failures.find((f) => (f.times === undefined || f.answered < f.times) && matches(f.match, req));
    if (failure) {
      failure.answered++;
      res.writeHead(failure.status.code, { 'content-type': 'application/json' });
      res.end(statusBody(failure.status));
      return;
    }
    for (const counter of counters) if (matches(counter.match, req)) counter.passed++;
    const isWatch = /[?&]watch=(true|1)\b/.test(req.url ?? '');
    const { host: _host, ...headers } = req.headers;
    const upstream = https.request({
      ...tls,
      hostname: server.hostname,
      port: server.port,
      method: req.method,
      path: req.url,
      // The fronted kubeconfig's own headers (a bearer token) with the client's.
      headers: { ...tls.headers, ...headers },
    });
    const watch: OpenWatch | undefined = isWatch ? { response: res, upstream, silenced: false } : undefined;
    let closed = false;
    upstream.on('response', (answer) => {
      if (watch && answer.statusCode === 200 && !closed) watches.add(watch);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        if (!watch?.silenced && !res.writableEnded) res.write(chunk);
      });
      answer.on('end', () => res.end());
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => {
      closed = true;
      upstream.destroy();
      if (watch) watches.delete(watch);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as AddressInfo).port;

  return {
    port,
    kubeConfig() {
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'front', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'front' }],
        contexts: [{ name: 'front', cluster: 'front', user: 'front' }],
        currentContext: 'front',
      });
      return kc;
    },
    fail(match, status, times) {
      const failure = { match, status, answered: 0, times };
      failures.push(failure);
      return {
        get answered() {
          return failure.answered;
        },
      };
    },
    count(match) {
      const counter = { match, passed: 0 };
      counters.push(counter);
      return {
        get passed() {
          return counter.passed;
        },
      };
    },
    clear() {
      failures.length = 0;
      counters.length = 0;
    },
    silenceWatches() {
      for (const watch of watches) watch.silenced = true;
    },
    expireWatches() {
      const expired = {
        type: 'ERROR',
        object: JSON.parse(
          statusBody({ code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' }),
        ) as object,
      };
      for (const watch of watches) {
        watch.silenced = true;
        watch.response.end(`${JSON.stringify(expired)}\n`);
        watch.upstream.destroy();
      }
    },
    get openWatches() {
      return watches.size;
    },
    async close() {
      for (const watch of watches) watch.response.destroy();
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
