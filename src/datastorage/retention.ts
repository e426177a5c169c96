/**
 * Retention of the action history: drops whole monthly partitions whose every row is older than the
 * retention period (default 180 days; at least 90, DESIGN.md §4). A month is dropped only once its
 * upper bound is at or before `now() − retention` on the database clock, so no row younger than the
 * retention (let alone the 90-day minimum the effectiveness model reads) is ever dropped; the month
 * straddling the cut-off stays until it has aged out completely.
 *
 * Locking: each month is first detached with `ALTER TABLE … DETACH PARTITION … CONCURRENTLY` (PG 14+),
 * which holds only a SHARE UPDATE EXCLUSIVE lock on action_records, so writers and readers of the
 * other months carry on; it waits for queries that may still see the partition instead of blocking
 * new ones. Only then is the detached table dropped (its own ACCESS EXCLUSIVE lock, which nobody else
 * waits for). DETACH … CONCURRENTLY cannot run inside a transaction block, so this runs statement by
 * statement on a dedicated connection outside any transaction. If a run is interrupted between the two
 * steps, the next run finalizes the half-detached partition (`DETACH … FINALIZE`) or drops the
 * leftover detached table. The daily outcome counts of the dropped days are deleted afterwards.
 */
import type { Pool, PoolClient } from 'pg';
import { DataStorageValidationError, toDataStorageError } from './errors';
import { listPartitions, type PartitionInfo } from './partitions';

export const DEFAULT_RETENTION_DAYS = 180;
export const MIN_RETENTION_DAYS = 90;

export interface RetentionOptions {
  /** Keep at least this many days (default 180, minimum 90). */
  retentionDays?: number;
  /** Report what would be dropped without dropping anything. */
  dryRun?: boolean;
  log?: (message: string) => void;
}

export interface DroppedPartition extends PartitionInfo {
  /** The planner's row estimate (pg_class.reltuples); exact counts would mean scanning the month. */
  approxRows: number;
  /** Time the detach + drop took (0 in a dry run). */
  durationMs: number;
}

export interface RetentionResult {
  retentionDays: number;
  dryRun: boolean;
  /** Rows older than this may go; months ending at or before it were dropped. */
  cutoff: string;
  dropped: DroppedPartition[];
  /** Partitions still attached after the run. */
  remaining: number;
}

export function validateRetentionDays(retentionDays: number): number {
  if (!Number.isInteger(retentionDays) || retentionDays < MIN_RETENTION_DAYS) {
    throw new DataStorageValidationError('retention', [
      {
        path: '$.retentionDays',
        message: `must be a whole number of days >= ${MIN_RETENTION_DAYS} (the effectiveness model reads 90 days of history), got ${retentionDays}`,
      },
    ]);
  }
  return retentionDays;
}

const LEFTOVER_TABLES_SQL = `
SELECT c.relname::text AS name
FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace
  AND c.relkind = 'r' AND NOT c.relispartition
  AND c.relname ~ '^action_records_[0-9]{4}_[0-9]{2}$'`;

/**
 * Daily counts of days no partition covers any more (dropping a partition fires no trigger). Keyed on
 * the oldest remaining partition rather than on what this run dropped, so a run interrupted between a
 * drop and this cleanup is repaired by the next one.
 */
const DROP_ORPHAN_COUNTS_SQL = `
DELETE FROM action_record_daily_counts
WHERE day < (SELECT coalesce(min(range_start), 'infinity'::timestamptz) FROM action_record_partitions) AT TIME ZONE 'UTC'`;

export async function dropExpiredPartitions(pool: Pool, options: RetentionOptions = {}): Promise<RetentionResult> {
  const retentionDays = validateRetentionDays(options.retentionDays ?? DEFAULT_RETENTION_DAYS);
  const dryRun = options.dryRun ?? false;
  const log = options.log ?? (() => {});
  let client: PoolClient | undefined;
  try {
    client = await pool.connect();
    const db = client;
    const { rows } = await db.query<{ cutoff: Date }>('SELECT now() - make_interval(days => $1::int) AS cutoff', [
      retentionDays,
    ]);
    const cutoff = rows[0]!.cutoff;
    const partitions = await listPartitions(db);
    const expired = partitions.filter((p) => Date.parse(p.rangeEnd) <= cutoff.getTime());
    const estimates = await approxRows(
      db,
      expired.map((p) => p.name),
    );
    const dropped: DroppedPartition[] = [];
    for (const p of expired) {
      const started = Date.now();
      if (!dryRun) {
        const detach = p.detachPending ? 'FINALIZE' : 'CONCURRENTLY';
        await db.query(`ALTER TABLE action_records DETACH PARTITION ${quoteIdent(p.name)} ${detach}`);
        await db.query(`DROP TABLE ${quoteIdent(p.name)}`);
      }
      const entry = { ...p, approxRows: estimates.get(p.name) ?? 0, durationMs: dryRun ? 0 : Date.now() - started };
      dropped.push(entry);
      log(`${dryRun ? 'would drop' : 'dropped'} ${p.name} [${p.rangeStart}, ${p.rangeEnd}) ~${entry.approxRows} rows`);
    }
    if (!dryRun) {
      await dropLeftovers(db, cutoff, log);
      await db.query(DROP_ORPHAN_COUNTS_SQL);
    }
    return {
      retentionDays,
      dryRun,
      cutoff: cutoff.toISOString(),
      dropped,
      remaining: partitions.length - (dryRun ? 0 : dropped.length),
    };
  } catch (err) {
    throw toDataStorageError('retention', err);
  } finally {
    client?.release();
  }
}

async function approxRows(db: PoolClient, names: string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const { rows } = await db.query<{ name: string; n: number }>(
    `SELECT relname::text AS name, greatest(reltuples, 0)::float8 AS n FROM pg_class
     WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1::text[])`,
    [names],
  );
  return new Map(rows.map((r) => [r.name, Math.round(r.n)]));
}

/** Tables a previous, interrupted run detached but did not drop. */
async function dropLeftovers(db: PoolClient, cutoff: Date, log: (m: string) => void): Promise<void> {
  const { rows } = await db.query<{ name: string }>(LEFTOVER_TABLES_SQL);
  for (const { name } of rows) {
    const [, year, month] = /^action_records_(\d{4})_(\d{2})$/.exec(name)!;
    const monthEnd = Date.UTC(Number(year), Number(month), 1); // Date.UTC months are 0-based: this is the next month
    if (monthEnd <= cutoff.getTime()) {
      await db.query(`DROP TABLE ${quoteIdent(name)}`);
      log(`dropped leftover detached table ${name}`);
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
