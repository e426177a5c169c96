/**
 * Data Storage maintenance commands (DATABASE_URL selects the server). This file is the image's
 * maintenance process (the CronJobs run `node dist/datastorage/cli.js …`); `npm run datastorage` runs the
 * same commands together with the API's (src/datastorage-api/cli.ts):
 *   npm run migrate                                   apply migrations, ensure partitions
 *   npm run datastorage -- maintain-partitions [--months-ahead 3] [--months-behind 1]
 *   npm run datastorage -- retention [--retention-days 180] [--dry-run]
 *   npm run datastorage -- partitions                 list partitions with their bounds
 * Each prints one JSON object on stdout (progress on stderr) so it can be scripted or scheduled.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runMigrations } from './migrate';
import { DEFAULT_MONTHS_AHEAD, DEFAULT_MONTHS_BEHIND, ensurePartitions, listPartitions } from './partitions';
import { createPool, databaseUrlFromEnv } from './pool';
import { DEFAULT_RETENTION_DAYS, dropExpiredPartitions } from './retention';

const log = (message: string) => process.stderr.write(`${message}\n`);
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

/** `180`, `180d` or `26w`: retention in days. */
function days(value: string): number {
  const m = /^(\d+)(d|w)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a number of days, e.g. 180 or 180d (or weeks: 26w)');
  return Number(m[1]) * (m[2] === 'w' ? 7 : 1);
}

async function withPool<T>(body: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const pool = createPool({ databaseUrl: databaseUrlFromEnv(), max: 2, statementTimeoutMs: 0 });
  try {
    return await body(pool);
  } finally {
    await pool.end();
  }
}

/** Adds the maintenance commands to `program`. */
export function addMaintenanceCommands(program: Command): Command {
  program
    .command('migrate')
    .description('apply pending migrations (safe to run concurrently), then ensure the monthly partitions')
    .action(async () => {
      print(await runMigrations({ databaseUrl: databaseUrlFromEnv(), log }));
    });

  program
    .command('maintain-partitions')
    .description('create the monthly action_records partitions around the current month that do not exist yet')
    .option('--months-ahead <n>', 'months after the current one', wholeNumber, DEFAULT_MONTHS_AHEAD)
    .option('--months-behind <n>', 'months before the current one', wholeNumber, DEFAULT_MONTHS_BEHIND)
    .action(async (opts: { monthsAhead: number; monthsBehind: number }) => {
      const created = await withPool((pool) => ensurePartitions(pool, opts));
      print({ created });
    });

  program
    .command('retention')
    .description('drop monthly partitions whose rows are all older than the retention')
    .option('--retention-days <days>', 'days to keep (minimum 90)', days, DEFAULT_RETENTION_DAYS)
    .option('--older-than <days>', 'same as --retention-days, e.g. 180d', days)
    .option('--dry-run', 'only report what would be dropped', false)
    .action(async (opts: { retentionDays: number; olderThan?: number; dryRun: boolean }) => {
      const retentionDays = opts.olderThan ?? opts.retentionDays;
      print(await withPool((pool) => dropExpiredPartitions(pool, { retentionDays, dryRun: opts.dryRun, log })));
    });

  program
    .command('partitions')
    .description('list the action_records partitions')
    .action(async () => {
      print(await withPool((pool) => listPartitions(pool)));
    });
  return program;
}

if (require.main === module) {
  const program = new Command('datastorage')
    .description('Kubernaut Data Storage (PostgreSQL) maintenance')
    .showHelpAfterError();
  addMaintenanceCommands(program)
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      log(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    });
}
