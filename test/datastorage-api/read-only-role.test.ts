// The API's database role can only read: a login role that is a member of kubernaut_datastorage_reader
// (created by the migration) may SELECT what the API serves and nothing it does is able to change data —
// by its privileges, whatever the session settings — and the API's own pool is read-only on top of that.
import { Client } from 'pg';
import { createPool } from '../../src/datastorage/pool';
import { dataStorageTestDatabase } from '../datastorage/database';
import type { TestDatabase } from '../support/stack';
import { readerLogin } from './support/api';
import { seed } from './support/seed';

let db: TestDatabase;
let login: Awaited<ReturnType<typeof readerLogin>>;
let reader: Client;

beforeAll(async () => {
  db = await dataStorageTestDatabase();
  await seed(db, 4);
  login = await readerLogin(db);
  reader = new Client({ connectionString: login.url });
  await reader.connect();
});
afterAll(async () => {
  await reader?.end();
  await db?.drop();
  await login?.drop();
});

const sqlstate = (sql: string) =>
  reader.query(sql).then(
    () => 'succeeded',
    (err: { code?: string }) => err.code,
  );

it('reads the tables the API serves', async () => {
  const { rows } = await reader.query(`
    SELECT (SELECT count(*) FROM action_records)::int AS records,
           (SELECT count(*) FROM action_record_daily_counts)::int > 0 AS counts,
           (SELECT count(*) FROM effectiveness_assessments)::int AS assessments`);
  expect(rows[0]).toEqual({ records: 8, counts: true, assessments: 10 });
});

it.each([
  ['insert a record', "INSERT INTO action_records (wfe_uid) VALUES ('x')"],
  ['update records', "UPDATE action_records SET status = 'failed'"],
  ['delete records', 'DELETE FROM action_records'],
  ['truncate records', 'TRUNCATE action_records'],
  ['change the daily counts', 'UPDATE action_record_daily_counts SET records = 0'],
  ['delete assessments', 'DELETE FROM effectiveness_assessments'],
  ['update assessments', 'UPDATE effectiveness_assessments SET score = 1'],
  ['drop a table', 'DROP TABLE effectiveness_assessments'],
  ['create a table', 'CREATE TABLE intruder (x int)'],
  [
    'create partitions',
    "SELECT action_records_ensure_partitions(now() + interval '2 years', now() + interval '2 years')",
  ],
])('may not %s (42501 insufficient privilege)', async (_what, sql) => {
  expect(await sqlstate(sql)).toBe('42501');
});

it('cannot grant itself more, even after leaving read-only mode', async () => {
  await reader.query('SET default_transaction_read_only = off');
  expect(await sqlstate('DELETE FROM action_records')).toBe('42501');
  // PostgreSQL lets a GRANT without grant option "succeed" with a warning, granting nothing:
  await sqlstate(`GRANT DELETE ON action_records TO ${new URL(login.url).username}`);
  expect(await sqlstate('DELETE FROM action_records')).toBe('42501');
});

it('gets read-only sessions from the pool the API uses (a second guard)', async () => {
  const pool = createPool({ databaseUrl: db.url, max: 1, readOnly: true });
  try {
    // Even as the owner, which could write: the session refuses (25006 read_only_sql_transaction).
    await expect(pool.query('DELETE FROM action_records')).rejects.toMatchObject({ code: '25006' });
  } finally {
    await pool.end();
  }
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM action_records');
  expect(rows[0]).toEqual({ n: 8 });
});
