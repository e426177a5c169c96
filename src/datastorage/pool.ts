/**
 * The PostgreSQL connection pool every Data Storage user shares (worker activities, CLI, benchmark).
 *
 * Tuning (defaults in parentheses):
 * - `max` (10): connections held at most. Each recordActions/completeActions call is one statement on
 *   one connection for well under 10 ms, so 10 connections absorb hundreds of concurrent activities;
 *   raise it only together with the server's max_connections (a full connection table is a retryable
 *   53300 error, not a crash).
 * - `statementTimeoutMs` (30 000): the server cancels any statement running longer (57014, retryable).
 *   Protects the database from a runaway query; keep it below the activity's start-to-close timeout
 *   so the activity sees the error instead of timing out blind.
 * - `connectionTimeoutMs` (10 000): how long to wait for a connection (new or from the pool) before
 *   failing with a retryable error.
 * - `idleTimeoutMs` (30 000): idle connections are closed after this long.
 */
import { Pool, type PoolConfig } from 'pg';
import { z } from 'zod';

export const PoolOptionsSchema = z.object({
  databaseUrl: z.string().min(1, 'must be a PostgreSQL connection URL (postgres://user@host:port/database)'),
  max: z.number().int().min(1, 'must be >= 1').max(1000).default(10),
  statementTimeoutMs: z.number().int().min(0, 'must be >= 0 (0 disables the timeout)').default(30_000),
  connectionTimeoutMs: z.number().int().min(0).default(10_000),
  idleTimeoutMs: z.number().int().min(0).default(30_000),
  applicationName: z.string().default('kubernaut-temporal'),
  /**
   * Every transaction read-only (`default_transaction_read_only`): a second guard, besides a role that
   * can only read, for processes that must never write (the Data Storage API).
   */
  readOnly: z.boolean().default(false),
  /**
   * Named statements always run on their generic plan (`plan_cache_mode = force_generic_plan`) instead
   * of being planned again for every execution: for statements whose index is chosen in code and whose
   * partitions are pruned at run time, planning was a quarter of PostgreSQL's time per API request.
   */
  genericPlans: z.boolean().default(false),
});

export type PoolOptions = z.input<typeof PoolOptionsSchema>;

/**
 * Creates a pg Pool. Errors of idle connections (the server restarting, a network blip) are reported
 * to `onIdleError` instead of crashing the process: the next query gets a fresh connection.
 */
export function createPool(options: PoolOptions, onIdleError?: (err: Error) => void): Pool {
  const o = PoolOptionsSchema.parse(options);
  const settings = [
    ...(o.readOnly ? ['-c default_transaction_read_only=on'] : []),
    ...(o.genericPlans ? ['-c plan_cache_mode=force_generic_plan'] : []),
  ];
  const config: PoolConfig = {
    connectionString: o.databaseUrl,
    max: o.max,
    connectionTimeoutMillis: o.connectionTimeoutMs,
    idleTimeoutMillis: o.idleTimeoutMs,
    application_name: o.applicationName,
    // Sent as a startup parameter: applies to every statement of every connection, no extra round trip.
    ...(o.statementTimeoutMs > 0 ? { statement_timeout: o.statementTimeoutMs } : {}),
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  };
  const pool = new Pool(config);
  pool.on('error', (err) => onIdleError?.(err));
  return pool;
}

/** DATABASE_URL from the environment, or an error that says how to set it. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL?.trim();
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: export DATABASE_URL=postgres://user:password@host:5432/database ' +
        '(the local stack prints the URL of its PostgreSQL).',
    );
  }
  return url;
}
