/**
 * The Temporal dev server (`temporal server start-dev`) with its Web UI, a db file in the state directory
 * (so a restart keeps workflow histories), and the project's custom search attributes registered.
 */
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../domain/names';
import type { StackConfig } from './config';
import type { StackLayout } from './layout';
import { logTail, runningPid, startDaemon } from './processes';
import { portInUse, waitFor } from './readiness';

export const TEMPORAL_NAMESPACE = 'default';

const INDEXED_VALUE_TYPE = { Keyword: 2, KeywordList: 7 } as const;

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
        `--metrics-port=${config.temporalPort + 3}`,
        `--db-filename=${layout.temporalDb}`,
        `--namespace=${TEMPORAL_NAMESPACE}`,
        '--log-level=warn',
        ...Object.values(SEARCH_ATTRIBUTES).map((a) => `--search-attribute=${a.name}=${a.type}`),
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
    await ensureSearchAttributes(connection);
  } finally {
    await connection.close();
  }
}

/** A db file from an older checkout may lack attributes added since: register what is missing. */
async function ensureSearchAttributes(connection: Connection): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace: TEMPORAL_NAMESPACE });
  const missing = Object.values(SEARCH_ATTRIBUTES).filter((a) => !(a.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace: TEMPORAL_NAMESPACE,
    searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_VALUE_TYPE[a.type]])),
  });
}
