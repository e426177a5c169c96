/**
 * Applies the versioned migrations in migrations/ with node-pg-migrate, then makes sure the monthly
 * action_records partitions around today exist.
 *
 * Called by `npm run migrate`, by the local stack and the worker on start, and by the test harness for
 * every fresh database, so it must be safe to run from several processes at once: node-pg-migrate
 * takes a PostgreSQL advisory lock for the run; we ask it to WAIT for that lock (its default is to
 * fail when another run holds it), so the second process blocks until the first finished and then
 * finds nothing left to apply. All pending migrations run in one transaction.
 *
 * Why a child process: node-pg-migrate 9 is an ES module only. Plain Node (20.19+) can require() it,
 * but jest's CommonJS module system cannot load an untransformed ES module from node_modules, and the
 * worker, CLI and tests must all share one code path. A short-lived `node` child (about 0.2 s) runs
 * node-pg-migrate's own programmatic `runner`; the connection URL travels in its environment, not on
 * its command line.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { DataStorageError, isRetryableDatabaseError } from './errors';
import { ensurePartitions, type PartitionWindow } from './partitions';

/** node-pg-migrate's default bookkeeping table, so its own CLI (`npx node-pg-migrate up`) agrees with us. */
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface RunMigrationsOptions {
  databaseUrl: string;
  /** Receives node-pg-migrate's progress lines and a summary. */
  log?: (message: string) => void;
  /** Defaults to the repository's migrations/ folder. */
  migrationsDir?: string;
  /** Partitions to ensure after migrating (default: 1 month behind, 3 ahead). */
  partitions?: PartitionWindow;
  /** Gives up waiting (for the lock held by another migrator, or a hung server) after this long. */
  timeoutMs?: number;
}

export interface MigrationResult {
  /** Names of the migrations this call applied (empty when the schema was already current). */
  applied: string[];
  /** Partitions this call created. */
  partitionsCreated: string[];
}

/** The migrations/ folder, from src/datastorage (tsx, jest) or dist/src/datastorage (compiled). */
export function defaultMigrationsDir(): string {
  const candidates = [path.resolve(__dirname, '../../migrations'), path.resolve(__dirname, '../../../migrations')];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

// Runs in the child (an ES module given with -e). Prints one JSON line on stdout: the applied names,
// or the error. Progress goes to stderr.
const CHILD_SCRIPT = `
const { runner } = await import(process.env.KUBERNAUT_MIGRATE_MODULE);
try {
  const applied = await runner({
    databaseUrl: process.env.KUBERNAUT_MIGRATE_DATABASE_URL,
    dir: process.env.KUBERNAUT_MIGRATE_DIR,
    migrationsTable: process.env.KUBERNAUT_MIGRATE_TABLE,
    direction: 'up',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: (message) => process.stderr.write(String(message) + '\\n'),
  });
  process.stdout.write(JSON.stringify({ applied: applied.map((m) => m.name) }) + '\\n');
} catch (err) {
  let root = err;
  while (root && root.cause && !root.code) root = root.cause;
  process.stdout.write(JSON.stringify({ error: { message: String(err && err.message || err), code: root && root.code } }) + '\\n');
  process.exitCode = 1;
}
`;

interface ChildReport {
  applied?: string[];
  error?: { message: string; code?: string };
}

export async function runMigrations(options: RunMigrationsOptions): Promise<MigrationResult> {
  const log = options.log ?? (() => {});
  const dir = options.migrationsDir ?? defaultMigrationsDir();
  const report = await runChild(options.databaseUrl, dir, options.timeoutMs ?? 120_000, log);
  if (report.error) {
    const cause = Object.assign(new Error(report.error.message), { code: report.error.code });
    throw new DataStorageError(`migrations failed: ${report.error.message}`, {
      retryable: isRetryableDatabaseError(cause),
      code: report.error.code,
      cause,
    });
  }
  const applied = report.applied ?? [];
  log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'schema already up to date');

  const client = new Client({ connectionString: options.databaseUrl });
  try {
    await client.connect();
    const partitionsCreated = await ensurePartitions(client, options.partitions);
    if (partitionsCreated.length > 0) log(`created partitions: ${partitionsCreated.join(', ')}`);
    return { applied, partitionsCreated };
  } catch (err) {
    throw new DataStorageError(`ensuring action_records partitions failed: ${(err as Error).message}`, {
      retryable: isRetryableDatabaseError(err),
      code: (err as { code?: string }).code,
      cause: err,
    });
  } finally {
    await client.end().catch(() => {});
  }
}

function runChild(databaseUrl: string, dir: string, timeoutMs: number, log: (m: string) => void): Promise<ChildReport> {
  const moduleUrl = pathToFileURL(require.resolve('node-pg-migrate')).href;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD_SCRIPT],
      {
        env: {
          ...process.env,
          KUBERNAUT_MIGRATE_MODULE: moduleUrl,
          KUBERNAUT_MIGRATE_DATABASE_URL: databaseUrl,
          KUBERNAUT_MIGRATE_DIR: dir,
          KUBERNAUT_MIGRATE_TABLE: MIGRATIONS_TABLE,
        },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        for (const line of stderr.split('\n')) if (line.trim() !== '') log(line);
        const last = stdout.trim().split('\n').pop();
        if (last) {
          try {
            resolve(JSON.parse(last) as ChildReport);
            return;
          } catch {
            // fall through: not our report
          }
        }
        const why = err?.killed ? `timed out after ${timeoutMs} ms` : (err?.message ?? 'no report');
        reject(
          new DataStorageError(`migrations failed: the node-pg-migrate process ${why}: ${stderr.trim()}`, {
            retryable: Boolean(err?.killed),
          }),
        );
      },
    );
    child.stdin?.end();
  });
}
