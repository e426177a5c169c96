/**
 * What test files use to reach the local stack started by the global setup (global-setup.ts):
 * connection info, a Kubernetes client config, Temporal connections and a fresh database per test file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Pool } from 'pg';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names';
import type { Identity } from '../../src/stack/identities';
import { stackLayout } from '../../src/stack/layout';
import { prepareWorkflowNamespace } from '../../src/stack/namespaces';
import type { ActionImageName } from '../../src/stack/registry';
import type { StackInfo } from '../../src/stack/stack';

export type { StackInfo };

export function getStackInfo(): StackInfo {
  const file = process.env.KUBERNAUT_STACK_INFO ?? stackLayout().info;
  if (!fs.existsSync(file)) {
    throw new Error(`no running local stack (${file} missing): run tests through jest's global setup`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as StackInfo;
}

export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(getStackInfo().kube.kubeconfigPath);
  return kc;
}

/**
 * A kubeconfig with the ServiceAccount token of a process's `deploy/` identity: what the worker or the
 * watcher may do in a cluster, and nothing more (a missing RBAC rule fails with 403).
 */
export function identityKubeConfig(identity: Identity): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(getStackInfo().kube.identities[identity]);
  return kc;
}

/** A digest-pinned action image the stack's registry serves (Tekton resolves its entrypoint there). */
export function actionImage(name: ActionImageName = 'kubectl'): string {
  return getStackInfo().registry.images[name];
}

/** Creates the namespace `name` (the API server refuses objects in a namespace that does not exist). */
export async function ensureNamespace(name: string, kc: k8s.KubeConfig = kubeConfig()): Promise<void> {
  try {
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** A fresh, empty Kubernetes namespace. */
export async function createNamespace(prefix: string, kc: k8s.KubeConfig = kubeConfig()): Promise<string> {
  const namespace = uniqueName(prefix);
  await ensureNamespace(namespace, kc);
  return namespace;
}

/**
 * A fresh Kubernetes namespace WorkflowExecutions can run in: the Namespace, the `kubernaut-action` Task and
 * the runner ServiceAccount, ready once its `default` ServiceAccount exists (src/stack/namespaces.ts).
 */
export async function createWorkflowNamespace(prefix: string, kc: k8s.KubeConfig = kubeConfig()): Promise<string> {
  const namespace = uniqueName(prefix);
  await prepareWorkflowNamespace(kc, namespace);
  return namespace;
}

/** A client-side connection (for Client); close it in afterAll. */
export function temporalConnection(): Promise<Connection> {
  return Connection.connect({ address: getStackInfo().temporal.address });
}

/** A worker-side connection (for Worker.create); close it in afterAll. */
export function nativeConnection(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: getStackInfo().temporal.address });
}

/** A name unique to this run, for namespaces, task queues and workflow ids that must not collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database on the stack's PostgreSQL with the Data Storage migrations applied. */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = getStackInfo().postgres.url;
  const name = `kt_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: withDatabase(serverUrl, 'postgres'), max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  if (opts.migrate !== false) {
    const { runMigrations } = await import('../../src/datastorage/migrate');
    await runMigrations({ databaseUrl: url });
  }
  const pool = new Pool({ connectionString: url, max: 5 });
  // drop() terminates connections the pool may still hold; their errors are expected, not a test failure.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      const a = new Pool({ connectionString: withDatabase(serverUrl, 'postgres'), max: 1 });
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const INDEXED_VALUE_TYPE = { Keyword: 2, KeywordList: 7 } as const;

/**
 * A Temporal namespace of its own, with the project's search attributes: workflow ids such as the
 * effectiveness monitor's are fixed, so test files that run them must not share a namespace. Usable at
 * once on the dev server.
 */
export async function createTemporalNamespace(connection: Connection, prefix: string): Promise<string> {
  const namespace = uniqueName(prefix);
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      Object.values(SEARCH_ATTRIBUTES).map((a) => [a.name, INDEXED_VALUE_TYPE[a.type]]),
    ),
  });
  return namespace;
}
