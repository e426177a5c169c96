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
