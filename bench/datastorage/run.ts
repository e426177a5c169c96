/**
 * Data Storage benchmark (not part of `npm test`):
 *
 *   npm run bench:datastorage -- [--rows 10000000] [--calls 1000] [--queries 300] [--keep]
 *   npm run bench:datastorage -- --api-only <database>   (again on a database kept with --keep)
 *   … [--query <text>]   (only the HTTP queries whose name contains the text)
 *
 * Creates its own database on DATABASE_URL's server (or, when DATABASE_URL is unset, on the local stack's
 * embedded PostgreSQL, started if needed), applies the migrations, loads N action records over 180
 * days, then measures the calls the workflows make and prints ONE JSON object on stdout (progress on
 * stderr). The database is dropped at the end unless --keep.
 *
 * Targets (issue 4, 10M rows on 2 cores): recordActions (5 steps) p95 ≤ 5 ms; bulk load ≥ 50k rows/s;
 * getActionStats and getActionHistory (one action type, 90 days) p99 ≤ 20 ms; dropping one month ≤ 1 s.
 *
 * Then the Data Storage API over HTTP (http.ts; issue 14): history first pages and 90-day statistics, by
 * action type and by target, p99 ≤ 20 ms at 1 client and ≤ 100 ms at 50 concurrent clients, with the
 * throughput; and the EXPLAIN (ANALYZE, BUFFERS) plan of each endpoint's query (explain.ts).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import type { Pool } from 'pg';
import { runMigrations } from '../../src/datastorage/migrate';
import { ensurePartitionsFor, listPartitions } from '../../src/datastorage/partitions';
import { createPool } from '../../src/datastorage/pool';
import type { ExecutingActionRecord } from '../../src/datastorage/records';
import { createDataStorage, type DataStorage } from '../../src/datastorage/repository';
import { dropExpiredPartitions } from '../../src/datastorage/retention';
import { actionTypeName, DEFAULT_SHAPE, loadAssessments, loadDataset, type DatasetShape } from './dataset';
import { explainApiQueries } from './explain';
import { measureHttp, startApiProcess, type HttpPhaseResult, type HttpQuery } from './http';
import { summarize, timed, type LatencySummary } from './latency';

const DAY_MS = 86_400_000;
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

function positiveInt(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

interface Options {
  rows: number;
  calls: number;
  queries: number;
  parallel: number;
  keep: boolean;
  httpRequests: number;
  assessments: number;
  apiOnly?: string;
  query?: string;
}

async function serverUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  // No server given: the local stack's embedded PostgreSQL (src/stack/postgres.ts), started if needed.
  const { loadStackConfig } = await import('../../src/stack/config');
  const { stackLayout } = await import('../../src/stack/layout');
  const { startPostgres } = await import('../../src/stack/postgres');
  log('DATABASE_URL unset: using the local stack’s embedded PostgreSQL');
  return (await startPostgres(loadStackConfig(), stackLayout())).url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = createPool({ databaseUrl: withDatabase(url, 'postgres'), max: 1 });
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

function benchWfe(now: number, n: number): ExecutingActionRecord[] {
  const uid = crypto.randomUUID();
  const start = new Date(now - (n % 3600) * 1000).toISOString();
  return Array.from({ length: 5 }, (_, step) => ({
    wfeUid: uid,
    wfeNamespace: 'bench',
    wfeName: `wfe-${n}`,
    remediationId: `bench/rr-${n}`,
    remediationNamespace: 'bench',
    remediationName: `rr-${n}`,
    temporalWorkflowId: `wfe/bench/wfe-${n}/${uid}`,
    temporalRunId: crypto.randomUUID(),
    stepName: `step-${step}`,
    actionType: actionTypeName((n + step) % 50),
    image: `ghcr.io/kubernaut/actions/kubectl@sha256:${'b'.repeat(64)}`,
    inputs: { namespace: 'bench', replicas: step },
    target: `bench/Deployment/app-${n % 10_000}`,
    executionStartedAt: start,
  }));
}

async function measureWrites(ds: DataStorage, calls: number) {
  const now = Date.now();
  const wfes = Array.from({ length: calls }, (_, n) => benchWfe(now, n));
  for (const w of wfes.slice(0, 20)) await ds.recordActions(w); // warm-up: connections, plans, partitions
  const record: number[] = [];
  for (const w of wfes.slice(20)) record.push(await timed(() => ds.recordActions(w)));
  const complete: number[] = [];
  for (const w of wfes.slice(20)) {
    const outcomes = w.map((r) => ({ ...r, status: 'succeeded' as const, completedAt: new Date().toISOString() }));
    complete.push(await timed(() => ds.completeActions(outcomes)));
  }
  return { recordActions: summarize(record), completeActions: summarize(complete) };
}

async function measureReads(ds: DataStorage, shape: DatasetShape, queries: number) {
  const until = new Date();
  const since = new Date(until.getTime() - 90 * DAY_MS);
  const types = (i: number) => actionTypeName(i % shape.actionTypes);
  for (let i = 0; i < shape.actionTypes; i++) {
    await ds.getActionStats({ actionType: types(i), since, until });
    await ds.getActionHistory({ actionTypes: [types(i)], since, until, limit: 100 });
  }
  const stats: number[] = [];
  const history: number[] = [];
  let sample: { total: number; firstPage: number } | undefined;
  for (let i = 0; i < queries; i++) {
    stats.push(
      await timed(async () => {
        const s = await ds.getActionStats({ actionType: types(i), since, until, latestN: 10 });
        sample ??= { total: s.total, firstPage: 0 };
      }),
    );
    history.push(
      await timed(async () => {
        const page = await ds.getActionHistory({ actionTypes: [types(i)], since, until, limit: 100 });
        if (sample && sample.firstPage === 0) sample.firstPage = page.records.length;
      }),
    );
  }
  return { getActionStats: summarize(stats), getActionHistory: summarize(history), sample };
}

async function sizes(pool: Pool) {
  const { rows } = await pool.query<{ table_bytes: string; index_bytes: string; rows: string }>(`
    SELECT sum(pg_table_size(inhrelid))::bigint::text AS table_bytes,
           sum(pg_indexes_size(inhrelid))::bigint::text AS index_bytes,
           (SELECT count(*) FROM action_records)::text AS rows
    FROM pg_inherits WHERE inhparent = 'action_records'::regclass`);
  return {
    tableBytes: Number(rows[0]!.table_bytes),
    indexBytes: Number(rows[0]!.index_bytes),
    rows: Number(rows[0]!.rows),
  };
}

/**
 * Drops the two oldest months (the first holds only the tail of the window, the second a full month)
 * while a writer keeps recording WFEs, to show other partitions stay writable.
 */
async function measureRetention(pool: Pool, ds: DataStorage) {
  const partitions = await listPartitions(pool);
  const fullMonth = partitions[1]!;
  const retentionDays = Math.floor((Date.now() - Date.parse(fullMonth.rangeEnd)) / DAY_MS);
  let writing = true;
  const writes: number[] = [];
  const writer = (async () => {
    for (let n = 0; writing; n++) writes.push(await timed(() => ds.recordActions(benchWfe(Date.now(), 100_000 + n))));
  })();
  const started = process.hrtime.bigint();
  const result = await dropExpiredPartitions(pool, { retentionDays, log });
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  writing = false;
  await writer;
  const full = result.dropped.find((p) => p.name === fullMonth.name);
  return {
    retentionDays,
    droppedPartitions: result.dropped.map((p) => ({ name: p.name, approxRows: p.approxRows, ms: p.durationMs })),
    fullMonthDropMs: full?.durationMs ?? null,
    fullMonthRows: full?.approxRows ?? null,
    totalMs: Math.round(totalMs),
    recordActionsDuringRetention: summarize(writes),
  };
}

async function main(): Promise<void> {
  const program = new Command('bench:datastorage')
    .option('--rows <n>', 'action records to load', positiveInt, DEFAULT_SHAPE.rows)
    .option('--calls <n>', 'recordActions/completeActions calls to time (after 20 warm-up calls)', positiveInt, 1020)
    .option('--queries <n>', 'getActionStats/getActionHistory calls to time', positiveInt, 500)
    .option('--parallel <n>', 'connections loading in parallel', positiveInt, 2)
    .option('--keep', 'keep the benchmark database', false)
    .option('--http-requests <n>', 'API requests per query at 1 client (4× that at 50 clients)', positiveInt, 500)
    .option('--assessments <n>', 'effectiveness assessments to load', positiveInt, 200_000)
    .option('--query <text>', 'only the HTTP queries whose name contains this text (e.g. "of one target")')
    .option(
      '--api-only <database>',
      'only the API phase (EXPLAIN and HTTP), on a benchmark database kept by an earlier --keep run',
      (v: string) => {
        if (!/^kt_bench_[0-9a-f]{8}$/.test(v)) throw new InvalidArgumentError('must name a kt_bench_… database');
        return v;
      },
    )
    .parse(process.argv);
  const opts = program.opts<Options>();
  const shape: DatasetShape = { ...DEFAULT_SHAPE, rows: opts.rows };

  const server = await serverUrl();
  if (opts.apiOnly) return measureApiOnly(withDatabase(server, opts.apiOnly), shape, opts, opts.apiOnly);
  const database = `kt_bench_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(server, `CREATE DATABASE ${database}`);
  const url = withDatabase(server, database);
  const pool = createPool({ databaseUrl: url, max: 4, statementTimeoutMs: 0 });
  try {
    await runMigrations({ databaseUrl: url });
    const now = new Date();
    await ensurePartitionsFor(pool, new Date(now.getTime() - (shape.days + 1) * DAY_MS), now);
    log(`loading ${shape.rows.toLocaleString('en')} rows into ${database}`);
    const load = await loadDataset(pool, shape, now, { parallel: opts.parallel, log });
    const vacuumMs = await timed(() => pool.query('VACUUM (ANALYZE) action_records, action_record_daily_counts'));
    // Flush the freshly loaded pages now, so the timings below measure steady state rather than a
    // checkpoint writing gigabytes underneath them.
    const checkpointMs = await timed(() => pool.query('CHECKPOINT'));
    const loadBefore = os.loadavg();
    const size = await sizes(pool);
    const ds = createDataStorage(pool);
    log('timing recordActions / completeActions');
    const writes = await measureWrites(ds, opts.calls);
    log('timing getActionStats / getActionHistory');
    const reads = await measureReads(ds, shape, opts.queries);
    log(`loading ${opts.assessments.toLocaleString('en')} assessments`);
    await loadAssessments(pool, shape, opts.assessments);
    await pool.query('ANALYZE effectiveness_assessments');
    const api = await measureApi(pool, url, shape, opts, database);
    log('timing retention');
    const retention = await measureRetention(pool, ds);
    const { rows: version } = await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    const perMillion = (bytes: number) => Math.round(bytes / (size.rows / 1e6) / 1024 / 1024);
    const result = {
      postgresVersion: version[0]!.v,
      rows: size.rows,
      shape,
      bulkLoad: {
        rowsPerSecond: Math.round(load.rowsPerSecond),
        seconds: round(load.seconds),
        parallel: opts.parallel,
      },
      vacuumAnalyzeSeconds: round(vacuumMs / 1000),
      checkpointSeconds: round(checkpointMs / 1000),
      // The machine's 1/5/15-minute load averages around the timed part: other work on the same cores
      // shows up in the latency tails.
      loadAverage: {
        beforeTimings: loadBefore.map(round),
        afterTimings: os.loadavg().map(round),
        cpus: os.cpus().length,
      },
      sizeMiBPerMillionRows: {
        table: perMillion(size.tableBytes),
        indexes: perMillion(size.indexBytes),
        total: perMillion(size.tableBytes + size.indexBytes),
      },
      recordActions5Steps: writes.recordActions,
      completeActions5Steps: writes.completeActions,
      getActionStats90Days: reads.getActionStats,
      getActionHistory90DaysFirstPage100: reads.getActionHistory,
      sampleQuery: reads.sample,
      retention,
      api,
      targets: verdicts(
        load.rowsPerSecond,
        writes.recordActions,
        reads.getActionStats,
        reads.getActionHistory,
        retention.fullMonthDropMs,
        api.http,
      ),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await pool.end();
    if (!opts.keep) await adminQuery(server, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    else log(`kept database ${url}`);
  }
}

/**
 * The Data Storage API on this database: EXPLAIN plans of its queries, then the HTTP timings, through a
 * login role that can only read (dropped afterwards).
 */
async function measureApi(pool: Pool, url: string, shape: DatasetShape, opts: Options, database: string) {
  // Recent WorkflowExecutions: one for the EXPLAIN inputs, all for the floor query.
  const { rows: wfes } = await pool.query<{ wfe_uid: string; remediation_id: string; wfe_namespace: string }>(
    `SELECT DISTINCT ON (wfe_uid) wfe_uid, remediation_id, wfe_namespace FROM action_records
     WHERE execution_started_at > now() - interval '1 day' LIMIT 500`,
  );
  const recent = wfes[0];
  if (!recent)
    throw new Error(`${database} has no action records of the last day: load it again (--keep, then --api-only)`);
  const target = (k: number) => `ns-${k % 100}/Deployment/app-${k % shape.targets}`;
  log('EXPLAIN of the API queries');
  const explain = await explainApiQueries(pool, {
    actionType: actionTypeName(7),
    target: target(4242),
    namespace: recent.wfe_namespace,
    remediationId: recent.remediation_id,
    wfeUid: recent.wfe_uid,
    assessmentTarget: target(4242),
  });
  const role = `${database}_api`;
  await pool.query(`CREATE ROLE ${role} LOGIN IN ROLE kubernaut_datastorage_reader`);
  const readerUrl = new URL(url);
  readerUrl.username = role;
  readerUrl.password = '';
  const api = await startApiProcess(readerUrl.toString(), log);
  try {
    const since = new Date(Date.now() - 90 * DAY_MS).toISOString();
    const type = (n: number) => encodeURIComponent(actionTypeName(n % shape.actionTypes));
    const queries: HttpQuery[] = [
      {
        name: 'history first page (100) of one action type, 90 days',
        path: (n) => `/api/v1/action-records?since=${since}&actionType=${type(n)}&limit=100`,
      },
      {
        name: 'history first page (100) of one target, 90 days',
        path: (n) => `/api/v1/action-records?since=${since}&target=${encodeURIComponent(target(n * 7919))}&limit=100`,
      },
      {
        name: 'statistics of one action type, 90 days, daily buckets',
        path: (n) => `/api/v1/action-statistics?days=90&actionType=${type(n)}`,
      },
      {
        name: 'statistics of one target, 90 days, daily buckets',
        path: (n) => `/api/v1/action-statistics?days=90&target=${encodeURIComponent(target(n * 7919))}`,
      },
      {
        // Not one of the targets: the floor of a request (a few records by primary key), i.e. what
        // the HTTP stack, authentication, validation and one query cost before any page is built.
        name: 'records of one WorkflowExecution',
        path: (n) => `/api/v1/workflow-executions/${wfes[n % wfes.length]!.wfe_uid}/action-records`,
      },
    ];
    const selected = queries.filter((q) => opts.query === undefined || q.name.includes(opts.query));
    if (selected.length === 0)
      throw new InvalidArgumentError(
        `--query ${opts.query}: no HTTP query's name contains it (${queries.map((q) => q.name).join('; ')})`,
      );
    const http = await measureHttp(api, selected, { requests: opts.httpRequests, log });
    return { http, explain, loadAverage: os.loadavg().map(round) };
  } finally {
    await api.stop();
    await pool.query(`DROP ROLE IF EXISTS ${role}`);
  }
}

/**
 * The API phase alone, on a database an earlier run kept: iterating on the API or its queries without
 * loading 10M rows again. The migrations are applied first (a new index or statement may need them).
 */
async function measureApiOnly(url: string, shape: DatasetShape, opts: Options, database: string): Promise<void> {
  await runMigrations({ databaseUrl: url });
  const pool = createPool({ databaseUrl: url, max: 4, statementTimeoutMs: 0 });
  try {
    await pool.query('VACUUM (ANALYZE) action_records');
    const loadBefore = os.loadavg();
    const size = await sizes(pool);
    const api = await measureApi(pool, url, shape, opts, database);
    const result = {
      database,
      rows: size.rows,
      loadAverage: { beforeTimings: loadBefore.map(round), afterTimings: os.loadavg().map(round) },
      api,
      targets: apiVerdicts(api.http),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await pool.end();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The latency targets are the issue's: history first pages and 90-day statistics (not the floor query). */
function apiVerdicts(http: Record<string, HttpPhaseResult>) {
  const all = Object.entries(http);
  const targeted = all.filter(([name]) => name.startsWith('history') || name.startsWith('statistics'));
  // null, not true, when --query left none of them to judge.
  const verdict = (ok: (r: HttpPhaseResult) => boolean) =>
    targeted.length === 0 ? null : targeted.every(([, r]) => ok(r));
  return {
    apiP99AtMost20msAt1Client: verdict((r) => r.clients1.p99 <= 20),
    apiP99AtMost100msAt50Clients: verdict((r) => r.clients50.p99 <= 100),
    apiNoErrors: all.every(([, r]) => r.errors === 0),
  };
}

function verdicts(
  rowsPerSecond: number,
  record: LatencySummary,
  stats: LatencySummary,
  history: LatencySummary,
  dropMs: number | null,
  http: Record<string, HttpPhaseResult>,
) {
  return {
    ...apiVerdicts(http),
    bulkLoadAtLeast50kRowsPerSecond: rowsPerSecond >= 50_000,
    recordActionsP95AtMost5ms: record.p95 <= 5,
    getActionStatsP99AtMost20ms: stats.p99 <= 20,
    getActionHistoryP99AtMost20ms: history.p99 <= 20,
    monthDropAtMost1s: dropMs !== null && dropMs <= 1000,
  };
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
