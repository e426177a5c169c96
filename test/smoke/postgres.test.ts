import { createTestDatabase, type TestDatabase } from '../support/stack';

describe('local stack: PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('round-trips a row through a real server', async () => {
    await db.pool.query('CREATE TABLE smoke (id int PRIMARY KEY, payload jsonb NOT NULL)');
    await db.pool.query('INSERT INTO smoke VALUES ($1, $2)', [1, { step: 'restart' }]);
    const { rows } = await db.pool.query('SELECT payload, version() AS v FROM smoke WHERE id = 1');
    expect(rows[0].payload).toEqual({ step: 'restart' });
    expect(rows[0].v).toMatch(/^PostgreSQL \d+/);
  });

  it('gives every test file its own database', async () => {
    const other = await createTestDatabase({ migrate: false });
    try {
      expect(other.url).not.toBe(db.url);
      const { rows } = await other.pool.query("SELECT to_regclass('smoke') AS t");
      expect(rows[0].t).toBeNull();
    } finally {
      await other.drop();
    }
  });
});
