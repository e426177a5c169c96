/**
 * The test database of a Data Storage test file: a fresh database from the harness, migrated.
 *
 * pg-pool's end() resolves before its connections have closed, and the harness's drop() then runs
 * DROP DATABASE … WITH (FORCE), which may terminate those closing connections (57P01). The pool would
 * emit that as an 'error' event with no listener: an uncaught exception that jest pins on whatever test
 * runs next in the worker. Nothing is lost by ignoring errors of idle connections here: a failing query
 * still rejects its own promise.
 */
import { createTestDatabase, type TestDatabase } from '../support/stack';

export async function dataStorageTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const db = await createTestDatabase(opts);
  db.pool.on('error', () => {});
  return db;
}

/**
 * The daily outcome counts as the triggers maintain them, and as a recount of the records gives them:
 * the two must always be equal.
 */
export async function dailyCounts(db: TestDatabase): Promise<{ maintained: unknown[]; recounted: unknown[] }> {
  const maintained = await db.pool.query(
    `SELECT action_type, day::text, status, records::int FROM action_record_daily_counts
     WHERE records <> 0 ORDER BY 1, 2, 3`,
  );
  const recounted = await db.pool.query(
    `SELECT action_type, (execution_started_at AT TIME ZONE 'UTC')::date::text AS day, status, count(*)::int AS records
     FROM action_records GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  return { maintained: maintained.rows, recounted: recounted.rows };
}
