/**
 * The Temporal dev server (`temporal server start-dev`) with its Web UI, a db file in the state directory
 * (so a restart keeps workflow histories), and the project's custom search attributes registered.
 */
import { Connection } from '@temporalio/client';
import {
  addSearchAttributes,
  missingSearchAttributes,
  searchAttributeFlags,
} from '../temporal-client/search-attribute-registration';
import type { StackConfig } from './config';
import type { StackLayout } from './layout';
import { logTail, runningPid, startDaemon } from './processes';
import { portInUse, waitFor } from './readiness';

export const TEMPORAL_NAMESPACE = 'default';

/** Where the dev server serves its Prometheus metrics: three above its gRPC port. */
export function temporalMetricsPort(config: { temporalPort: number }): number {
  return config.temporalPort + 3;
}

/**
 * How the dev server keeps its SQLite db file. Its default is SQLite's: a rollback journal, fsynced on every
 * commit (twice or more), and the server runs all persistence through ONE connection, so every workflow task,
 * timer and activity of every workflow queued behind the disk's flush. Write-ahead logging with `synchronous=normal`
 * fsyncs only when it checkpoints: a commit is a write into the log, still durable when the server is killed (the
 * log is in the OS's page cache; only the machine's crash could lose the last commits — a development server's
 * risk, not production's, where Temporal runs on PostgreSQL or Cassandra).
 */
export function devServerStorageFlags(): string[] {
  return ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
}

/**
 * The server's dynamic configuration that the project relies on (README "Operations": set it on a production
 * namespace too). Eager activity execution (`system.enableActivityEagerExecution`, off by default in the server):
 * a workflow task that schedules an activity on its own task queue, completed by a worker with a free activity
 * slot, gets the activity task back in the completion's response — the server records it started in the same
 * update, and matching never sees it. A run's waiting activity is scheduled that way, so each WorkflowExecution
 * saves a matching round trip, an activity-task poll answered and a history update (bench:execution reports
 * the dispatches as `temporalRequestsPerWorkflowExecution.eager`). Nothing else changes: an eagerly started
 * activity is retried on its heartbeat and start-to-close timeouts like any other, by whichever worker polls next.
 */
export function devServerDynamicConfigFlags(): string[] {
  return ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'];
}

export async function startTemporal(temporal: string, config: StackConfig, layout: StackLayout): Promise<void> {
  if (runningPid(layout.pids, 'temporal') === undefined) {
    for (const [port, env] of [
      [config.temporalPort, 'KUBERNAUT_STACK_TEMPORAL_PORT'],
      [config.temporalUiPort, 'KUBERNAUT_STACK_TEMPORAL_UI_PORT'],
    ] as const) {
      if (await portInUse(port)) {
        throw new Error(`port ${port} needed for Temporal is already in use; choose another with ${env}=<port>`);
      }
    }
    startDaemon({
      name: 'temporal',
      command: temporal,
      args: [
        'server',
        'start-dev',
        '--ip=127.0.0.1',
        `--port=${config.temporalPort}`,
        `--ui-port=${config.temporalUiPort}`,
        `--http-port=${config.temporalPort + 2}`,
        `--metrics-port=${temporalMetricsPort(config)}`,
        `--db-filename=${layout.temporalDb}`,
        ...devServerStorageFlags(),
        ...devServerDynamicConfigFlags(),
        `--namespace=${TEMPORAL_NAMESPACE}`,
        '--log-level=warn',
        ...searchAttributeFlags(),
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  const address = `127.0.0.1:${config.temporalPort}`;
  const connection = await waitFor(
    'Temporal dev server',
    async () => {
      const c = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await c.workflowService.describeNamespace({ namespace: TEMPORAL_NAMESPACE });
        return c;
      } catch (err) {
        await c.close();
        throw err;
      }
    },
    { timeoutMs: config.startTimeoutMs, onTimeout: () => logTail(layout.logs, 'temporal') },
  );
  try {
    // A db file from an older checkout may lack attributes added since: register what is missing.
    await addSearchAttributes(
      connection,
      TEMPORAL_NAMESPACE,
      await missingSearchAttributes(connection, TEMPORAL_NAMESPACE),
    );
  } finally {
    await connection.close();
  }
}
