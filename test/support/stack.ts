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
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import type { Identity } from '../../src/stack/identities';
import { stackLayout } from '../../src/stack/layout';
import { prepareWorkflowNamespace } from '../../src/stack/namespaces';
import type { ActionImageName } from '../../src/stack/registry';
import type { StackInfo } from '../../src/stack/stack';
import { addSearchAttributes } from '../../src/temporal-client/search-attribute-registration';
import { testRunTag } from './leftover-work';

export type { StackInfo };

export function getStackInfo(): StackInfo {
  const file = process.env.KUBERNAUT_STACK_INFO ?? stackLayout().info;
  if (!fs.existsSync(file)) {
    throw new Error(`no running local stack (${file} missing): run tests through jest's global setup`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as StackInfo;
}

export function kubeConfig(): k8s.KubeConfig {
  return loadKubeConfig(getStackInfo().kube.kubeconfigPath);
}

/**
 * A kubeconfig with the ServiceAccount token of a process's `deploy/` identity: what the worker or the
 * watcher may do in a cluster, and nothing more (a missing RBAC rule fails with 403).
 */
export function identityKubeConfig(identity: Identity): k8s.KubeConfig {
  return loadKubeConfig(getStackInfo().kube.identities[identity]);
}

/** A digest-pinned action image the stack's registry serves (Tekton resolves its entrypoint there). */
export function actionImage(name: ActionImageName = 'kubectl'): string {
  return getStackInfo().registry.images[name];
}

/** Creates the namespace `name` (the API server refuses objects in a namespace that does not exist). */
export async function ensureNamespace(name: string, kc: k8s.KubeConfig = kubeConfig()): Promise<void> {
  try {
    // Labelled with the run: the global teardown deletes it, and whatever a test left in it.
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name, labels: testRunTag() } } });
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
  await prepareWorkflowNamespace(kc, namespace, { labels: testRunTag() });
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

/**
 * A Temporal namespace of its own, with the project's search attributes: workflow ids such as the
 * effectiveness monitor's are fixed, so test files that run them must not share a namespace. Usable at
 * once on the dev server. Tagged with the run: whoever creates one terminates its open workflows when done
 * (`terminateOpenWorkflows`), and the global teardown fails the run if any is left.
 */
export async function createTemporalNamespace(connection: Connection, prefix: string): Promise<string> {
  const namespace = uniqueName(prefix);
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
    data: testRunTag(),
  });
  await addSearchAttributes(connection, namespace);
  return namespace;
}

/**
 * A ServiceAccount of a test's own with exactly `rules` in `namespace` (a Role and its RoleBinding) — or
 * the rules of an existing ClusterRole, such as one deploy/ ships, bound in `namespace` only — and a
 * kubeconfig with its token from the TokenRequest API: the real API server authorizes its requests with
 * RBAC, so what `rules` leaves out is refused with a real 403.
 */
export async function serviceAccountKubeConfig(
  namespace: string,
  name: string,
  rules: k8s.V1PolicyRule[] | { clusterRole: string },
  kc: k8s.KubeConfig = kubeConfig(),
): Promise<k8s.KubeConfig> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const roleRef = Array.isArray(rules)
    ? { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }
    : { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: rules.clusterRole };
  if (Array.isArray(rules)) await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name }, roleRef, subjects: [{ kind: 'ServiceAccount', name, namespace }] },
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const identity = new k8s.KubeConfig();
  identity.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: request.status!.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  return identity;
}
