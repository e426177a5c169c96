/**
 * The bench's place on the local stack: the stack itself (started under the stack lock, or the running one
 * reused, and registered as in use so a concurrent test run does not stop it), a Temporal namespace, a
 * Kubernetes namespace and a database of the bench's own, all removed at the end.
 */
import crypto from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { Pool } from 'pg';
import { EXECUTION_FINALIZER } from '../../src/domain/names';
import { runMigrations } from '../../src/datastorage/migrate';
import { PIPELINE_RUNS, TASK_RUNS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { ensureCertificates, type Certificates } from '../../src/stack/certificates';
import { loadStackConfig } from '../../src/stack/config';
import { stackLayout } from '../../src/stack/layout';
import { liveStackUsers, registerStackUser, unregisterStackUser, withStackLock } from '../../src/stack/lease';
import { stackDown, stackStatus, stackUp, type StackInfo } from '../../src/stack/stack';
import { ensureTools } from '../../src/stack/tools';
import { addSearchAttributes } from '../../src/temporal-client/search-attribute-registration';

export type Log = (line: string) => void;

export interface Stack {
  info: StackInfo;
  certs: Certificates;
  /** Port of the stack's API server. */
  apiserverPort: number;
  release(): Promise<void>;
}

/** Brings the stack up (idempotent: healthy servers are reused) and registers this process as a user. */
export async function acquireStack(log: Log): Promise<Stack> {
  const layout = stackLayout();
  const { info, startedHere } = await withStackLock(layout.root, async () => {
    const before = stackStatus(layout);
    const wasRunning = before.info !== undefined && Object.values(before.running).every(Boolean);
    const up = await stackUp({ layout, log });
    registerStackUser(layout.root);
    return { info: up, startedHere: !wasRunning };
  });
  const certs = ensureCertificates(ensureTools(() => undefined).openssl, layout.certs);
  return {
    info,
    certs,
    apiserverPort: loadStackConfig().apiserverPort,
    async release() {
      await withStackLock(layout.root, async () => {
        unregisterStackUser(layout.root);
        if (startedHere && liveStackUsers(layout.root).length === 0) await stackDown({ layout, log });
      });
    },
  };
}

/** A Temporal namespace with the project's search attributes; deleted (best effort) by the returned function. */
export async function createTemporalNamespace(connection: Connection, namespace: string): Promise<() => Promise<void>> {
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  await addSearchAttributes(connection, namespace);
  return async () => {
    await connection.operatorService.deleteNamespace({ namespace }).catch(() => undefined);
  };
}

/** A migrated scratch database on the stack's PostgreSQL; dropped by `drop()`. */
export async function createScratchDatabase(
  serverUrl: string,
  prefix = 'kt_bench_exec',
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const at = (db: string) => Object.assign(new URL(serverUrl), { pathname: `/${db}` }).toString();
  const admin = new Pool({ connectionString: at('postgres'), max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await runMigrations({ databaseUrl: at(name) });
  return {
    url: at(name),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * Deletes what the bench created in its Kubernetes namespace. There is no garbage collector in the local
 * stack, so TaskRuns and PipelineRuns go explicitly; finalizers left by an unfinished run are removed first.
 */
export async function cleanKubernetesNamespace(customObjects: k8s.CustomObjectsApi, namespace: string): Promise<void> {
  const list = (await customObjects.listNamespacedCustomObject({ ...WORKFLOW_EXECUTIONS, namespace })) as {
    items: KubernetesObject[];
  };
  for (const wfe of list.items.filter((w) => w.metadata.finalizers?.includes(EXECUTION_FINALIZER))) {
    await customObjects
      .patchNamespacedCustomObject(
        { ...WORKFLOW_EXECUTIONS, namespace, name: wfe.metadata.name, body: { metadata: { finalizers: null } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
  }
  for (const resource of [TASK_RUNS, PIPELINE_RUNS, WORKFLOW_EXECUTIONS]) {
    await customObjects.deleteCollectionNamespacedCustomObject({ ...resource, namespace }).catch(() => undefined);
  }
}
