/**
 * A real Temporal + PostgreSQL environment for one effectiveness test file:
 *
 * - its own Temporal namespace (with the project's search attributes): monitor workflow ids are fixed
 *   (`effectiveness-monitor/<shard>`), so files running in parallel, the bench or a developer's worker
 *   on the stack would otherwise share monitors;
 * - a fresh migrated database and the real Data Storage on it;
 * - workers on a unique task queue that run the real workflows and effectiveness activities (the monitor's
 *   assessment starts through the env's client, in its namespace).
 */
import crypto from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createAssessmentStartActivities } from '../../../src/activities/assessment-starts';
import { createEffectivenessActivities, type EffectivenessDataStorage } from '../../../src/activities/effectiveness';
import { createDataStorage, type DataStorage } from '../../../src/datastorage/repository';
import { EffectivenessMonitorInput } from '../../../src/domain/effectiveness/monitor-state';
import { RemediationTerminal } from '../../../src/domain/effectiveness/remediation-terminal';
import { effectivenessMonitorWorkflowId } from '../../../src/domain/names';
import { SignalledMonitor, signalRemediationTerminal } from '../../../src/temporal-client/effectiveness-signal';
import {
  TestDatabase,
  createTemporalNamespace,
  createTestDatabase,
  getStackInfo,
  uniqueName,
} from '../../support/stack';
import { terminateOpenWorkflows } from '../../support/leftover-work';

/** Tests use one shard so every remediation goes to `effectiveness-monitor/0`. */
export const TEST_SHARDS = 1;

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export interface EffectivenessTestEnv {
  namespace: string;
  taskQueue: string;
  client: Client;
  db: TestDatabase;
  dataStorage: DataStorage;
  /**
   * A worker of the real workflows; its activities use `dataStorage` (default: the env's) and start assessments
   * with `startClient` (default: the env's client).
   */
  startWorker(
    identity: string,
    options?: { dataStorage?: EffectivenessDataStorage; startClient?: Client },
  ): Promise<RunningWorker>;
  /** Reports `remediation` with `stabilizationWindowMs` (default: the monitor's), starting the monitor with `monitor`. */
  signal(
    remediation: RemediationTerminal,
    options?: Omit<EffectivenessMonitorInput, 'shard' | 'carried'>,
  ): Promise<SignalledMonitor>;
  monitorId: string;
  /** Terminates the monitor so the next test starts one with its own input. */
  resetMonitor(): Promise<void>;
  close(): Promise<void>;
}

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundled once per test file: restarting a worker should not mean re-bundling. */
function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../../src/workflows'), logger: quietLogger });
  return bundle;
}
const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

export async function createEffectivenessTestEnv(prefix: string): Promise<EffectivenessTestEnv> {
  const address = getStackInfo().temporal.address;
  const connection = await Connection.connect({ address });
  const namespace = await createTemporalNamespace(connection, prefix);
  const client = new Client({ connection, namespace });
  const nativeConnection = await NativeConnection.connect({ address });
  const db = await createTestDatabase();
  const dataStorage = createDataStorage(db.pool);
  const taskQueue = uniqueName(`${prefix}-tq`);
  const monitorId = effectivenessMonitorWorkflowId(0);
  const workers = new Set<RunningWorker>();

  return {
    namespace,
    taskQueue,
    client,
    db,
    dataStorage,
    monitorId,
    async startWorker(identity, options = {}) {
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace,
        taskQueue,
        identity,
        workflowBundle: await workflowBundle(),
        activities: {
          ...createEffectivenessActivities({ dataStorage: options.dataStorage ?? dataStorage }),
          ...createAssessmentStartActivities({ temporalClient: options.startClient ?? client }),
        },
        maxCachedWorkflows: 200,
        shutdownGraceTime: '2s',
      });
      const running = worker.run();
      const handle: RunningWorker = {
        worker,
        async stop() {
          workers.delete(handle);
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
      workers.add(handle);
      return handle;
    },
    signal(remediation, options = {}) {
      const { stabilizationWindowMs, ...monitor } = options;
      return signalRemediationTerminal(client, remediation, {
        shards: TEST_SHARDS,
        taskQueue,
        stabilizationWindowMs,
        monitor,
      });
    },
    async resetMonitor() {
      try {
        await client.workflow.getHandle(monitorId).terminate('test finished');
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
    async close() {
      for (const w of [...workers]) await w.stop();
      await terminateOpenWorkflows(client);
      await nativeConnection.close();
      await connection.close();
      await db.drop();
    },
  };
}

/** A finished remediation as the WorkflowExecution workflow reports it. */
export function terminalRemediation(
  target: string,
  actionTypes: string[],
  overrides: Partial<RemediationTerminal> = {},
): RemediationTerminal {
  const name = `rr-${crypto.randomBytes(4).toString('hex')}`;
  const namespace = target.split('/')[0];
  return {
    remediation: { id: `${namespace}/${name}`, namespace, name },
    phase: 'Completed',
    workflowExecution: { namespace, name: `wfe-${name}`, uid: crypto.randomUUID() },
    target,
    actionTypes,
    endedAt: new Date().toISOString(),
    ...overrides,
  };
}
