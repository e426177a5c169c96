/**
 * Monthly partitions of action_records: created ahead (and, for a range, behind) by the SQL function
 * action_records_ensure_partitions() from the migration, listed from the catalog.
 *
 * Months are UTC calendar months, named action_records_YYYY_MM. Creating is idempotent and safe to run
 * from several processes at once (the function serialises callers with an advisory lock), so every
 * start runs it and the CLI `maintain-partitions` can be scheduled freely (e.g. daily).
 */
import { z } from 'zod';

/** Anything that runs a parameterised query: a pg Pool, Client or PoolClient. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  /** With a `name`, the statement is prepared once per connection and its plan reused. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(config: {
    name?: string;
    text: string;
    values?: unknown[];
  }): Promise<{ rows: R[]; rowCount: number | null }>;
}

export const DEFAULT_MONTHS_AHEAD = 3;
export const DEFAULT_MONTHS_BEHIND = 1;

export const PartitionWindowSchema = z.object({
  monthsAhead: z.number().int().min(0, 'must be >= 0').max(120, 'must be <= 120').default(DEFAULT_MONTHS_AHEAD),
  monthsBehind: z.number().int().min(0, 'must be >= 0').max(120, 'must be <= 120').default(DEFAULT_MONTHS_BEHIND),
});
export type PartitionWindow = z.input<typeof PartitionWindowSchema>;

export interface PartitionInfo {
  name: string;
  /** Inclusive lower bound (RFC 3339, UTC). */
  rangeStart: string;
  /** Exclusive upper bound. */
  rangeEnd: string;
  /** An interrupted DETACH ... CONCURRENTLY left it half-detached (retention finalizes it). */
  detachPending: boolean;
}

/**
 * Ensures the partitions from `monthsBehind` months before the database's current month to
 * `monthsAhead` months after it exist; returns the names it created (empty when all existed).
 */
export async function ensurePartitions(db: Queryable, window: PartitionWindow = {}): Promise<string[]> {
  const w = PartitionWindowSchema.parse(window);
  const { rows } = await db.query<{ name: string }>(
    `SELECT action_records_ensure_partitions(
       now() - make_interval(months => $1::int),
       now() + make_interval(months => $2::int)) AS name`,
    [w.monthsBehind, w.monthsAhead],
  );
  return rows.map((r) => r.name);
}

/** Ensures the partitions for every month touched by [from, to] exist; returns the names it created. */
export async function ensurePartitionsFor(db: Queryable, from: Date, to: Date): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT action_records_ensure_partitions($1::timestamptz, $2::timestamptz) AS name',
    [from, to],
  );
  return rows.map((r) => r.name);
}

/** All partitions of action_records, oldest first. */
export async function listPartitions(db: Queryable): Promise<PartitionInfo[]> {
  const { rows } = await db.query<{ name: string; range_start: Date; range_end: Date; detach_pending: boolean }>(
    'SELECT name, range_start, range_end, detach_pending FROM action_record_partitions ORDER BY range_start',
  );
  return rows.map((r) => ({
    name: r.name,
    rangeStart: r.range_start.toISOString(),
    rangeEnd: r.range_end.toISOString(),
    detachPending: r.detach_pending,
  }));
}
