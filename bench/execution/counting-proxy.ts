/**
 * A counting proxy in front of the stack's API server, for benchmarks: it terminates TLS with the stack's
 * serving certificate, passes every request through unchanged (the client's bearer token included; a watch
 * streams as one request) and counts requests by verb at `GET /kubernaut-stack/requests`. It presents no
 * client certificate upstream, so the API server authenticates the client's own token: the counted client
 * keeps its identity and RBAC.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface CountingProxyOptions {
  listenPort: number;
  backendPort: number;
  caCert: string;
  serverCert: string;
  serverKey: string;
}

export function startCountingProxy(o: CountingProxyOptions): https.Server {
  const ca = fs.readFileSync(o.caCert);
  const counts: Record<string, number> = {};
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = https.createServer(
    { cert: fs.readFileSync(o.serverCert), key: fs.readFileSync(o.serverKey) },
    (req, res) => {
      if ((req.url ?? '/').split('?')[0] === '/kubernaut-stack/requests') return json(res, 200, counts);
      const verb = req.method ?? 'GET';
      counts[verb] = (counts[verb] ?? 0) + 1;
      const headers = { ...req.headers };
      delete headers.host;
      const upstream = https.request({
        host: '127.0.0.1',
        port: o.backendPort,
        path: req.url,
        method: req.method,
        headers,
        ca,
      });
      upstream.on('response', (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        res.flushHeaders(); // a watch must see its headers before the first event arrives
        r.pipe(res);
      });
      upstream.on('error', (err) => {
        if (!res.headersSent) json(res, 503, { kind: 'Status', status: 'Failure', message: err.message, code: 503 });
        else res.destroy(err);
      });
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    },
  );
  server.listen(o.listenPort, '127.0.0.1');
  return server;
}

if (require.main === module) {
  const server = startCountingProxy(JSON.parse(process.argv[2] ?? '{}') as CountingProxyOptions);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
