/**
 * A thin front for the standalone API server that adds what `kubectl` needs and apiextensions-apiserver
 * leaves to kube-apiserver's aggregator: the discovery roots `/api` and `/apis`. Everything else is passed
 * through unchanged (watches stream), authenticated to the real server with the stack's client certificate.
 * Clients must present a certificate signed by the stack CA, as they would to the real server.
 *
 * It also counts requests by verb, so benchmarks can report API-server requests per WorkflowExecution
 * (`GET /kubernaut-stack/requests`).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

interface FrontOptions {
  listenPort: number;
  backendPort: number;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

interface ApiGroup {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
}

interface CrdList {
  items: {
    spec: {
      group: string;
      names: { kind: string; plural: string };
      scope: 'Namespaced' | 'Cluster';
      versions: { name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema?: unknown } }[];
    };
  }[];
}

/**
 * The OpenAPI v3 root lists one document per group-version. kubectl asks it whether PATCH of a kind accepts
 * `fieldValidation`, and then leaves schema validation to the server (what `kubectl apply` does against any
 * cluster); without it kubectl falls back to downloading OpenAPI v2, which this server does not serve.
 */
export function openApiV3Root(crds: CrdList): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {
    'apis/apiextensions.k8s.io/v1': { serverRelativeURL: '/openapi/v3/apis/apiextensions.k8s.io/v1' },
  };
  for (const crd of crds.items) {
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      const gv = `apis/${crd.spec.group}/${v.name}`;
      paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}` };
    }
  }
  return { paths };
}

export function openApiV3GroupVersion(crds: CrdList, group: string, version: string): unknown {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const crd of crds.items.filter((c) => c.spec.group === group)) {
    const v = crd.spec.versions.find((x) => x.name === version && x.served);
    if (!v) continue;
    const gvk = { group, version, kind: crd.spec.names.kind };
    const base =
      crd.spec.scope === 'Namespaced'
        ? `/apis/${group}/${version}/namespaces/{namespace}`
        : `/apis/${group}/${version}`;
    const param = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
    const operation = (action: string) => ({
      operationId: `${action}${crd.spec.names.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: [param('dryRun'), param('fieldManager'), param('fieldValidation')],
      responses: { '200': { description: 'OK' } },
    });
    paths[`${base}/${crd.spec.names.plural}/{name}`] = { patch: operation('patch'), put: operation('put') };
    paths[`${base}/${crd.spec.names.plural}`] = { post: operation('post') };
    const reversedGroup = group.split('.').reverse().join('.');
    schemas[`${reversedGroup}.${version}.${crd.spec.names.kind}`] = {
      ...((v.schema?.openAPIV3Schema as object) ?? { type: 'object' }),
      'x-kubernetes-group-version-kind': [gvk],
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'unversioned' }, paths, components: { schemas } };
}

export function discoveryGroups(crds: CrdList): ApiGroup[] {
  const byGroup = new Map<string, { served: Set<string>; storage?: string }>();
  byGroup.set('apiextensions.k8s.io', { served: new Set(['v1']), storage: 'v1' });
  for (const crd of crds.items) {
    const entry = byGroup.get(crd.spec.group) ?? { served: new Set<string>() };
    for (const v of crd.spec.versions) {
      if (v.served) entry.served.add(v.name);
      if (v.storage) entry.storage = v.name;
    }
    byGroup.set(crd.spec.group, entry);
  }
  return [...byGroup.entries()]
    .filter(([, e]) => e.served.size > 0)
    .map(([name, e]) => {
      const versions = [...e.served].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      const preferred = e.storage && e.served.has(e.storage) ? e.storage : versions[0]!.version;
      return { name, versions, preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred } };
    });
}

export function startDiscoveryFront(o: FrontOptions): https.Server {
  const tls = {
    ca: fs.readFileSync(o.caCert),
    cert: fs.readFileSync(o.clientCert),
    key: fs.readFileSync(o.clientKey),
  };
  const counts: Record<string, number> = {};
  const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);

  const backend = (path: string, init: Partial<https.RequestOptions> = {}) =>
    https.request({ host: '127.0.0.1', port: o.backendPort, path, ...tls, ...init });

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  /** Reads the CRDs from the real server and answers with `render(crds)`. */
  const fromCrds = (res: http.ServerResponse, render: (crds: CrdList) => unknown) => {
    const req = backend('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'GET' });
    req.on('response', (upstream) => {
      let body = '';
      upstream.setEncoding('utf8');
      upstream.on('data', (c: string) => (body += c));
      upstream.on('end', () => {
        if (upstream.statusCode !== 200) return json(res, upstream.statusCode ?? 502, JSON.parse(body || '{}'));
        json(res, 200, render(JSON.parse(body) as CrdList));
      });
    });
    req.on('error', (err) => json(res, 503, { kind: 'Status', status: 'Failure', message: err.message, code: 503 }));
    req.end();
  };

  const server = https.createServer(
    {
      ca: fs.readFileSync(o.caCert),
      cert: fs.readFileSync(o.serverCert),
      key: fs.readFileSync(o.serverKey),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/kubernaut-stack/requests') return json(res, 200, counts);
      count(req.method ?? 'GET');
      if (path === '/api' || path === '/api/') {
        return json(res, 200, { kind: 'APIVersions', versions: [], serverAddressByClientCIDRs: [] });
      }
      if (path === '/apis' || path === '/apis/') {
        return fromCrds(res, (crds) => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: discoveryGroups(crds) }));
      }
      if (path === '/openapi/v3' || path === '/openapi/v3/') return fromCrds(res, openApiV3Root);
      const gv = /^\/openapi\/v3\/apis\/([^/]+)\/([^/]+)$/.exec(path ?? '');
      if (gv && gv[1] !== 'apiextensions.k8s.io') {
        return fromCrds(res, (crds) => openApiV3GroupVersion(crds, gv[1]!, gv[2]!));
      }
      const headers = { ...req.headers };
      delete headers.host;
      const upstream = backend(req.url ?? '/', { method: req.method, headers });
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
  const options = JSON.parse(process.argv[2] ?? '{}') as FrontOptions;
  const server = startDiscoveryFront(options);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
