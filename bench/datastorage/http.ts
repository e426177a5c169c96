/**
 * The HTTP phase of the Data Storage benchmark: the Data Storage API runs as its own process as it ships
 * (`npm run build`, then `node dist/datastorage-api/main.js`) on the benchmark's database, as a
 * login role that can only read, with the static-token mode, its default pool and its rate limiter on
 * (limit set above what the benchmark sends, so its cost is included). The load generator is this
 * process: keep-alive connections, one request in flight per client, through undici (0.75 ms of CPU per
 * history page against 0.94 with node:http's client, measured here: CPU the API and PostgreSQL share on
 * these two cores).
 *
 * For each query: latency percentiles at 1 client, then at 50 concurrent clients (and the throughput),
 * each after a warm-up, and the CPU each request cost the API process, PostgreSQL and the load generator.
 * All share the machine's cores. `BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of the API process there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { commandCpuTimeMs, cpuTimeMs } from '../../src/stack/process-usage';
import { buildProject } from '../execution/build';
import { REPO } from '../execution/child-process';
import { summarize, type LatencySummary } from './latency';

export interface HttpQuery {
  name: string;
  /** A fresh path for request number n (parameters vary, as real clients' would). */
  path: (n: number) => string;
}

/**
 * CPU per request while the load ran, by process (ms): the API process, every PostgreSQL process of the
 * machine (its backends included), and this process, the load generator. All three share the two cores.
 */
export interface CpuPerRequest {
  api: number;
  postgres: number;
  loadGenerator: number;
  total: number;
}

export interface HttpPhaseResult {
  clients1: LatencySummary & { requestsPerSecond: number; cpuMsPerRequest: CpuPerRequest };
  clients50: LatencySummary & { requestsPerSecond: number; cpuMsPerRequest: CpuPerRequest };
  errors: number;
}

function cpuNow(api: RunningApiProcess) {
  const own = process.cpuUsage();
  return {
    api: cpuTimeMs(api.child.pid!) ?? 0,
    postgres: commandCpuTimeMs('postgres'),
    loadGenerator: (own.user + own.system) / 1000,
  };
}

export interface RunningApiProcess {
  baseUrl: string;
  token: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startApiProcess(databaseUrl: string, log: (m: string) => void): Promise<RunningApiProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-api-'));
  const token = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},bench\n`, { mode: 0o600 });
  const port = 20_000 + crypto.randomInt(20_000);
  buildProject(log);
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      path.join(REPO, 'dist', 'datastorage-api', 'main.js'),
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        KUBERNAUT_DATASTORAGE_API_AUTH: 'static-token',
        KUBERNAUT_DATASTORAGE_API_TOKEN_FILE: path.join(dir, 'tokens.csv'),
        KUBERNAUT_HTTP_PORT: String(port),
        KUBERNAUT_HTTP_HOST: '127.0.0.1',
        KUBERNAUT_DATASTORAGE_API_RATE_LIMIT_PER_MINUTE: '100000000',
        KUBERNAUT_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the Data Storage API did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`Data Storage API process ${child.pid} ready at ${baseUrl}`);
  return {
    baseUrl,
    token,
    child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function get(pool: Pool, path: string, token: string): Promise<number> {
  const res = await pool.request({
    method: 'GET',
    path,
    headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' },
  });
  // Read to the end (not discarded early: that would close the connection).
  await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
  return res.statusCode;
}

async function drive(api: RunningApiProcess, q: HttpQuery, clients: number, perClient: number, offset: number) {
  const pool = new Pool(api.baseUrl, { connections: clients, pipelining: 1 });
  const samples: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = cpuNow(api);
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const t = process.hrtime.bigint();
        const status = await get(pool, q.path(offset + c * perClient + i), api.token);
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (status !== 200) errors++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = cpuNow(api);
  await pool.close();
  const per = (k: keyof typeof cpuAfter) => Math.round(((cpuAfter[k] - cpuBefore[k]) / samples.length) * 100) / 100;
  const cpuMsPerRequest = { api: per('api'), postgres: per('postgres'), loadGenerator: per('loadGenerator'), total: 0 };
  cpuMsPerRequest.total =
    Math.round((cpuMsPerRequest.api + cpuMsPerRequest.postgres + cpuMsPerRequest.loadGenerator) * 100) / 100;
  return {
    summary: { ...summarize(samples), requestsPerSecond: Math.round(samples.length / seconds), cpuMsPerRequest },
    errors,
  };
}

export async function measureHttp(
  api: RunningApiProcess,
  queries: HttpQuery[],
  o: { requests: number; log: (m: string) => void },
): Promise<Record<string, HttpPhaseResult>> {
  const results: Record<string, HttpPhaseResult> = {};
  for (const q of queries) {
    o.log(`HTTP ${q.name}: 1 client`);
    await drive(api, q, 1, 50, 1_000_000); // warm-up: connections, prepared statements, caches
    const one = await drive(api, q, 1, o.requests, 0);
    o.log(`HTTP ${q.name}: 50 clients`);
    await drive(api, q, 50, 4, 2_000_000);
    const fifty = await drive(api, q, 50, Math.max(1, Math.round((o.requests * 4) / 50)), 3_000_000);
    results[q.name] = { clients1: one.summary, clients50: fifty.summary, errors: one.errors + fifty.errors };
  }
  return results;
}
