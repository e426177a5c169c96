import fs from 'node:fs';
import { DataStorageError } from '../../src/datastorage/errors';
import { MIGRATIONS_TABLE, defaultMigrationsDir, runMigrations } from '../../src/datastorage/migrate';
import type { TestDatabase } from '../support/stack';
import { dataStorageTestDatabase } from './database';

describe('runMigrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await dataStorageTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('can run from two processes at once: one applies the schema, the other waits and finds it current', async () => {
    const files = fs
      .readdirSync(defaultMigrationsDir())
      .filter((f) => f.endsWith('.sql'))
      .map((f) => f.replace(/\.sql$/, ''))
      .sort();
    const [a, b] = await Promise.all([runMigrations({ databaseUrl: db.url }), runMigrations({ databaseUrl: db.url })]);
    // One run applied everything, in order; the other found nothing left to do.
    expect([a.applied, b.applied].sort((x, y) => y.length - x.length)).toEqual([files, []]);
    const { rows } = await db.pool.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    expect(rows.map((r: { name: string }) => r.name)).toEqual(files);
    const tables = await db.pool.query(
      "SELECT to_regclass('action_records') AS records, to_regclass('effectiveness_assessments') AS assessments",
    );
    expect(tables.rows[0]).toEqual({ records: 'action_records', assessments: 'effectiveness_assessments' });
  });

  it('changes nothing when run again', async () => {
    const logged: string[] = [];
    await expect(runMigrations({ databaseUrl: db.url, log: (m) => logged.push(m) })).resolves.toEqual({
      applied: [],
      partitionsCreated: [],
    });
    expect(logged).toContain('schema already up to date');
  });

  it('reports an unreachable server as a retryable error', async () => {
    const err = await runMigrations({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataStorageError);
    expect(err).toMatchObject({ retryable: true });
  });

  it('reports a database that does not exist as a non-retryable error', async () => {
    const url = new URL(db.url);
    url.pathname = '/kt_no_such_database';
    const err = await runMigrations({ databaseUrl: url.toString() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataStorageError);
    expect(err).toMatchObject({ retryable: false, code: '3D000' });
  });
});
