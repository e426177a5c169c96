/**
 * How long the effectiveness pipeline takes end to end: N remediations reach a terminal phase at once,
 * each is signalled (signalWithStart on its monitor shard), assessed with a zero stabilization window
 * and persisted. Prints one JSON object: signal → persisted latency p50/p90/p99/max, total time,
 * throughput, and each monitor's runs and history length at the end.
 *
 *     npm run stack -- up
 *     npm run bench:effectiveness -- --count 1000
 *
 * Besides the latencies, what one assessment costs: CPU per assessment of the bench process (the worker
 * running the monitor and the assessments, and the signalling client) and the stack's Temporal server, and
 * the requests and billable actions it made of Temporal (its metrics, the bench's namespace only) — from the
 * first signal to the last stored assessment.
 *
 * Needs a running Temporal server and PostgreSQL: TEMPORAL_ADDRESS / DATABASE_URL when set, otherwise the
 * local stack's connection info (Temporal's CPU and counters only then). It works in a namespace of its own
 * (monitor workflow ids are fixed per shard, so a worker of the stack must not see the bench's signals) and in
 * a scratch database seeded with 90 days of action history, both cleaned up at the end.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { Command } from 'commander';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { createAssessmentStartActivities } from '../../src/activities/assessment-starts';
import { createEffectivenessActivities } from '../../src/activities/effectiveness';
import type { FinishedActionRecord } from '../../src/datastorage/records';
import { createDataStorage } from '../../src/datastorage/repository';
import { MONITOR_DEFAULTS } from '../../src/domain/effectiveness/monitor-state';
import { RemediationTerminal } from '../../src/domain/effectiveness/remediation-terminal';
import { effectivenessShardCount } from '../../src/domain/effectiveness/sharding';
import { effectivenessMonitorWorkflowId } from '../../src/domain/names';
import { ensureNamespace } from '../../src/temporal-client/search-attribute-registration';
import { stackLayout } from '../../src/stack/layout';
import { runningPid } from '../../src/stack/processes';
import { cpuPerWorkflowExecution, cpuSnapshot, type ProcessIds } from '../execution/cpu-usage';
import { acquireStack, createScratchDatabase } from '../execution/environment';
import { perOperation } from '../execution/report';
import { temporalRequests, type TemporalRequests } from '../execution/temporal-requests';
import { signalRemediationTerminal } from '../../src/temporal-client/effectiveness-signal';
import type { EffectivenessMonitorStatus } from '../../src/workflows/effectiveness-monitor';

interface Options {
  count: number;
  shards: number;
  namespace: string;
  targets: number;
  actionTypes: number;
  seedRecords: number;
  concurrency: number;
  historyLimit: number;
  timeoutMs: number;
}

const DAY = 24 * 60 * 60 * 1000;

function parseOptions(argv: string[]): Options {
  const int = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${v}`);
    return n;
  };
  const o = new Command('bench:effectiveness')
    .option('--count <n>', 'terminal remediations to signal', int, 1000)
    .option('--shards <n>', 'monitor shards (default KUBERNAUT_EFFECTIVENESS_SHARDS or 4)', int)
    .option('--namespace <name>', 'Temporal namespace of the bench (created when missing)', 'kubernaut-bench')
    .option('--targets <n>', 'distinct targets the remediations spread over', int, 200)
    .option('--action-types <n>', 'distinct action types', int, 4)
    .option('--seed-records <n>', 'action records of history seeded over 90 days', int, 5000)
    .option('--concurrency <n>', 'signals in flight at once', int, 64)
    .option(
      '--history-limit <n>',
      'monitor continueAsNewAtHistoryLength',
      int,
      MONITOR_DEFAULTS.continueAsNewAtHistoryLength,
    )
    .option('--timeout-ms <n>', 'give up after this long', int, 600_000)
    .parse(argv)
    .opts();
  return { ...o, shards: o.shards ?? effectivenessShardCount() } as Options;
}

/**
 * TEMPORAL_ADDRESS + DATABASE_URL when both are set; otherwise the local stack, brought up (or shared) the
 * way bench:execution does it, and released at the end.
 */
interface ConnectionInfo {
  temporalAddress: string;
  databaseUrl: string;
  /** The stack's Temporal metrics, when the bench uses the stack's servers. */
  temporalMetricsUrl?: string;
  /** The processes whose CPU an assessment costs: this one, and the stack's servers when they are used. */
  processes: ProcessIds;
  release(): Promise<void>;
}

async function connectionInfo(): Promise<ConnectionInfo> {
  if (process.env.TEMPORAL_ADDRESS && process.env.DATABASE_URL) {
    return {
      temporalAddress: process.env.TEMPORAL_ADDRESS,
      databaseUrl: process.env.DATABASE_URL,
      processes: { benchProcess: process.pid },
      release: async () => {},
    };
  }
  const stack = await acquireStack((line) => process.stderr.write(`[bench:effectiveness] ${line}\n`));
  return {
    temporalAddress: stack.info.temporal.address,
    databaseUrl: stack.info.postgres.url,
    temporalMetricsUrl: stack.info.temporal.metricsUrl,
    // The stack's Temporal also serves whoever else uses the stack: its figure is an upper bound. PostgreSQL's
    // work is done by backend processes that come and go, not by the one whose pid the stack knows.
    processes: { benchProcess: process.pid, temporal: runningPid(stackLayout().pids, 'temporal') },
    release: () => stack.release(),
  };
}

/** Requests and billable actions per assessment between two readings of Temporal's counters. */
function perAssessment(before: TemporalRequests, after: TemporalRequests, n: number) {
  return {
    frontend: perOperation(before.frontend, after.frontend, n),
    persistence: perOperation(before.persistence, after.persistence, n),
    actions: perOperation(before.actions, after.actions, n),
  };
}

/** Oldest first: percentiles by nearest rank. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function seedRows(o: Options, targets: string[], actionTypes: string[]): FinishedActionRecord[] {
  const now = Date.now();
  return Array.from({ length: o.seedRecords }, (_, i) => {
    const started = new Date(now - 1000 - Math.floor(((i + 0.5) / o.seedRecords) * 89 * DAY));
    const target = targets[i % targets.length];
    const namespace = target.split('/')[0];
    return {
      wfeUid: crypto.randomUUID(),
      wfeNamespace: namespace,
      wfeName: `seed-${i}`,
      remediationId: `${namespace}/seed-${i}`,
      remediationNamespace: namespace,
      remediationName: `seed-${i}`,
      temporalWorkflowId: `wfe/${namespace}/seed-${i}/x`,
      temporalRunId: 'seed',
      stepName: 'step-1',
      actionType: actionTypes[i % actionTypes.length],
      image: 'registry.example/kubectl:1.31',
      inputs: {},
      target,
      executionStartedAt: started.toISOString(),
      startedAt: started.toISOString(),
      completedAt: new Date(started.getTime() + 2000).toISOString(),
      status: i % 5 === 0 ? 'failed' : 'succeeded',
    };
  });
}

async function terminateMonitors(client: Client, shards: number): Promise<void> {
  for (let shard = 0; shard < shards; shard++) {
    try {
      await client.workflow.getHandle(effectivenessMonitorWorkflowId(shard)).terminate('bench cleanup');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { temporalAddress, databaseUrl, temporalMetricsUrl, processes, release } = await connectionInfo();
  const readTemporalCounters = () =>
    temporalMetricsUrl ? temporalRequests(temporalMetricsUrl, o.namespace) : Promise.resolve(undefined);
  const connection = await Connection.connect({ address: temporalAddress });
  await ensureNamespace(connection, o.namespace, DAY);
  const client = new Client({ connection, namespace: o.namespace });
  await terminateMonitors(client, o.shards); // leftovers of an interrupted run would keep their old input

  const db = await createScratchDatabase(databaseUrl, 'kt_bench_effectiveness');
  const pool = new Pool({ connectionString: db.url, max: 10 });
  // db.drop() terminates connections pool.end() may not have closed yet: expected, not a failure.
  pool.on('error', () => undefined);
  const dataStorage = createDataStorage(pool);
  const run = crypto.randomBytes(3).toString('hex');
  const targets = Array.from({ length: o.targets }, (_, i) => `bench-${run}-${i % 20}/Deployment/app-${i}`);
  const actionTypes = Array.from({ length: o.actionTypes }, (_, i) => `kubernetes/bench_action_${i}`);
  const seed = seedRows(o, targets, actionTypes);
  for (let i = 0; i < seed.length; i += 1000) await dataStorage.completeActions(seed.slice(i, i + 1000));

  const signalledAt = new Map<string, number>();
  const latencies: number[] = [];
  let persisted = 0;
  let allPersisted!: () => void;
  const done = new Promise<void>((resolve) => (allPersisted = resolve));
  const measured = {
    ...dataStorage,
    async persistAssessment(a: Parameters<typeof dataStorage.persistAssessment>[0]) {
      const result = await dataStorage.persistAssessment(a);
      const sent = signalledAt.get(a.remediationId);
      if (result.created && sent !== undefined) {
        latencies.push(performance.now() - sent);
        if (++persisted === o.count) allPersisted();
      }
      return result;
    },
  };

  const taskQueue = `bench-effectiveness-${run}`;
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: o.namespace,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: {
      ...createEffectivenessActivities({ dataStorage: measured }),
      ...createAssessmentStartActivities({ temporalClient: client }),
    },
    maxCachedWorkflows: 2000,
    shutdownGraceTime: '5s',
  });
  const workerRun = worker.run();

  const remediations: RemediationTerminal[] = Array.from({ length: o.count }, (_, i) => {
    const target = targets[i % targets.length];
    const namespace = target.split('/')[0];
    return {
      remediation: { id: `${namespace}/rr-${run}-${i}`, namespace, name: `rr-${run}-${i}` },
      phase: i % 7 === 0 ? 'Failed' : 'Completed',
      workflowExecution: { namespace, name: `wfe-${run}-${i}`, uid: crypto.randomUUID() },
      target,
      actionTypes: [actionTypes[i % actionTypes.length]],
      endedAt: new Date().toISOString(),
    };
  });
  const monitor = { continueAsNewAtHistoryLength: o.historyLimit };

  const loadBefore = os.loadavg();
  const temporalBefore = await readTemporalCounters();
  const cpuBefore = cpuSnapshot(processes);
  const started = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < remediations.length) {
      const r = remediations[next++];
      signalledAt.set(r.remediation.id, performance.now());
      await signalRemediationTerminal(client, r, { shards: o.shards, taskQueue, stabilizationWindowMs: 0, monitor });
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, sender));
  const signalledMs = performance.now() - started;
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`only ${persisted} of ${o.count} assessments after ${o.timeoutMs} ms`)),
      o.timeoutMs,
    ).unref(),
  );
  await Promise.race([done, timeout]);
  const totalMs = performance.now() - started;
  const cpuAfter = cpuSnapshot(processes);
  const temporalAfter = await readTemporalCounters();

  const monitors = [];
  for (let shard = 0; shard < o.shards; shard++) {
    const handle = client.workflow.getHandle(effectivenessMonitorWorkflowId(shard));
    const status = await handle.query<EffectivenessMonitorStatus>('status').catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return undefined; // no target hashed to this shard
      throw err;
    });
    if (!status) continue;
    monitors.push({
      workflowId: handle.workflowId,
      run: status.run,
      historyLength: (await handle.describe()).historyLength,
      received: status.totals.received,
      started: status.totals.started,
    });
  }
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n);
  console.log(
    JSON.stringify(
      {
        count: o.count,
        shards: o.shards,
        stabilizationWindowMs: 0,
        continueAsNewAtHistoryLength: o.historyLimit,
        seededActionRecords: o.seedRecords,
        totalMs: round(totalMs),
        signallingMs: round(signalledMs),
        assessmentsPerSecond: Number(((o.count / totalMs) * 1000).toFixed(1)),
        signalToPersistedMs: {
          p50: round(percentile(latencies, 50)),
          p90: round(percentile(latencies, 90)),
          p99: round(percentile(latencies, 99)),
          max: round(latencies[latencies.length - 1]),
        },
        // The worker (monitor and assessments) and the signalling client share the bench process.
        cpuMsPerAssessment: cpuPerWorkflowExecution(cpuBefore, cpuAfter, o.count),
        ...(temporalBefore &&
          temporalAfter && { temporalRequestsPerAssessment: perAssessment(temporalBefore, temporalAfter, o.count) }),
        monitors,
        machine: {
          cpus: os.cpus().length,
          // Other work on the machine (tests, builds) shows up here and in every number above.
          loadAverage1mBefore: Number(loadBefore[0].toFixed(2)),
          loadAverage1mAfter: Number(os.loadavg()[0].toFixed(2)),
        },
        monitorHistoryLengthAtEnd: {
          max: Math.max(...monitors.map((m) => m.historyLength)),
          total: monitors.reduce((n, m) => n + m.historyLength, 0),
        },
      },
      null,
      2,
    ),
  );

  await terminateMonitors(client, o.shards);
  worker.shutdown();
  await workerRun;
  await nativeConnection.close();
  await connection.close();
  await pool.end();
  await db.drop();
  await release();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
