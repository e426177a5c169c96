import { DataStorageValidationError } from '../../src/datastorage/errors';
import { ensurePartitions, ensurePartitionsFor, listPartitions } from '../../src/datastorage/partitions';
import { createDataStorage, type DataStorage } from '../../src/datastorage/repository';
import { MIN_RETENTION_DAYS, dropExpiredPartitions } from '../../src/datastorage/retention';
import type { TestDatabase } from '../support/stack';
import { dailyCounts, dataStorageTestDatabase } from './database';
import { DAY, fixedNow, iso, wfeRecords } from './fixtures';

const NOW = fixedNow();

/** `action_records_YYYY_MM` of the UTC month `offset` months from the month of `ms`. */
function monthName(ms: number, offset = 0): string {
  const d = new Date(ms);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
  return `action_records_${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

async function partitionNames(db: TestDatabase): Promise<string[]> {
  return (await listPartitions(db.pool)).map((p) => p.name);
}

async function executionStarts(db: TestDatabase): Promise<number[]> {
  const { rows } = await db.pool.query<{ t: Date }>('SELECT execution_started_at AS t FROM action_records ORDER BY 1');
  return rows.map((r) => r.t.getTime());
}

describe('action_records partitions', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await dataStorageTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('exist after migration from one month behind to three months ahead', async () => {
    const names = await partitionNames(db);
    expect(names).toEqual(expect.arrayContaining([-1, 0, 1, 2, 3].map((o) => monthName(Date.now(), o))));
  });

  it('are UTC calendar months, each ending where the next begins', async () => {
    const partitions = await listPartitions(db.pool);
    for (const p of partitions) {
      const start = new Date(p.rangeStart);
      expect(p.name).toBe(monthName(start.getTime()));
      expect([start.getUTCDate(), start.getUTCHours(), start.getUTCMinutes()]).toEqual([1, 0, 0]);
      expect(p.rangeEnd).toBe(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)).toISOString());
    }
  });

  it('are created for past and future months on demand of maintenance, once', async () => {
    const created = await ensurePartitions(db.pool, { monthsBehind: 6, monthsAhead: 6 });
    expect(created).toEqual(expect.arrayContaining([monthName(Date.now(), -6), monthName(Date.now(), 6)]));
    expect(created).not.toContain(monthName(Date.now(), 0));
    await expect(ensurePartitions(db.pool, { monthsBehind: 6, monthsAhead: 6 })).resolves.toEqual([]);
  });

  it('can be ensured by concurrent callers without errors', async () => {
    const from = new Date(Date.UTC(2019, 0, 15));
    const to = new Date(Date.UTC(2019, 11, 15));
    const results = await Promise.all(Array.from({ length: 4 }, () => ensurePartitionsFor(db.pool, from, to)));
    expect(results.flat().sort()).toEqual(
      Array.from({ length: 12 }, (_, m) => `action_records_2019_${String(m + 1).padStart(2, '0')}`),
    );
  });

  it('route a record into the partition of its execution start month', async () => {
    const ds = createDataStorage(db.pool);
    const start = NOW - 2 * DAY;
    const [row] = wfeRecords({
      executionStartedAt: iso(start),
      steps: [{ name: 'restart', actionType: 'kubernetes/restart_pod' }],
    });
    await ds.recordActions([row!]);
    const { rows } = await db.pool.query<{ part: string }>(
      'SELECT tableoid::regclass::text AS part FROM action_records WHERE wfe_uid = $1',
      [row!.wfeUid],
    );
    expect(rows).toEqual([{ part: monthName(start) }]);
  });
});

describe('retention', () => {
  let db: TestDatabase;
  let ds: DataStorage;
  /** Execution starts, in days before now, of one record each: both sides of the 90- and 180-day marks. */
  const AGES = [400, 300, 200, 181, 179, 120, 91, 90, 89, 60, 5, 0];

  beforeAll(async () => {
    db = await dataStorageTestDatabase();
    ds = createDataStorage(db.pool);
    for (const days of AGES) {
      const rows = wfeRecords({
        executionStartedAt: iso(NOW - days * DAY),
        steps: [{ name: 'restart', actionType: 'kubernetes/restart_pod' }],
      });
      await ds.recordActions(rows);
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses a retention shorter than 90 days', async () => {
    const err = await dropExpiredPartitions(db.pool, { retentionDays: MIN_RETENTION_DAYS - 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataStorageValidationError);
    expect((err as Error).message).toMatch(/\$\.retentionDays: must be a whole number of days >= 90/);
    expect(await executionStarts(db)).toHaveLength(AGES.length);
  });

  it('reports what it would drop in a dry run and drops nothing', async () => {
    const before = await partitionNames(db);
    const result = await dropExpiredPartitions(db.pool, { retentionDays: 180, dryRun: true });
    expect(result.dropped.map((p) => p.name)).toEqual(
      expect.arrayContaining([monthName(NOW - 400 * DAY), monthName(NOW - 300 * DAY)]),
    );
    expect(await partitionNames(db)).toEqual(before);
    expect(await executionStarts(db)).toHaveLength(AGES.length);
  });

  it('drops only whole months older than the retention and keeps every younger record', async () => {
    const result = await dropExpiredPartitions(db.pool, { retentionDays: 180 });
    const cutoff = Date.parse(result.cutoff);
    expect(cutoff).toBeLessThanOrEqual(Date.now() - 180 * DAY);
    expect(result.dropped.length).toBeGreaterThan(0);
    for (const p of result.dropped) expect(Date.parse(p.rangeEnd)).toBeLessThanOrEqual(cutoff);
    for (const p of await listPartitions(db.pool)) expect(Date.parse(p.rangeEnd)).toBeGreaterThan(cutoff);

    const remaining = await executionStarts(db);
    // Everything younger than the retention is still there; the oldest records are gone.
    expect(remaining.filter((t) => t >= NOW - 180 * DAY)).toHaveLength(AGES.filter((d) => d <= 180).length);
    expect(remaining).not.toContain(NOW - 400 * DAY);
    expect(remaining).not.toContain(NOW - 300 * DAY);
    // The daily counts of the dropped days went with them.
    const { maintained, recounted } = await dailyCounts(db);
    expect(maintained).toEqual(recounted);
  });

  it('at the 90-day minimum still keeps every record younger than 90 days', async () => {
    const result = await dropExpiredPartitions(db.pool, { retentionDays: 90 });
    const remaining = await executionStarts(db);
    expect(remaining.filter((t) => t >= NOW - 90 * DAY)).toHaveLength(AGES.filter((d) => d <= 90).length);
    expect(remaining).not.toContain(NOW - 181 * DAY); // its month ended at least 150 days ago
    expect(result.dropped.every((p) => Date.parse(p.rangeEnd) <= Date.now() - 90 * DAY)).toBe(true);
  });

  it('drops a month a previous run detached but did not drop', async () => {
    const old = NOW - 500 * DAY;
    await ensurePartitionsFor(db.pool, new Date(old), new Date(old));
    await db.pool.query(`ALTER TABLE action_records DETACH PARTITION ${monthName(old)}`);
    await dropExpiredPartitions(db.pool, { retentionDays: 90 });
    const { rows } = await db.pool.query('SELECT to_regclass($1) AS t', [monthName(old)]);
    expect(rows[0].t).toBeNull();
  });

  it('lets writers of the current month carry on while it detaches old months', async () => {
    const old = NOW - 700 * DAY;
    await ensurePartitionsFor(db.pool, new Date(old), new Date(old + 60 * DAY));
    const writes = Array.from({ length: 20 }, (_, i) =>
      ds.recordActions(
        wfeRecords({
          executionStartedAt: iso(NOW - i * 1000),
          steps: [{ name: 'scale', actionType: 'kubernetes/scale_deployment' }],
        }),
      ),
    );
    const [retention, ...written] = await Promise.all([
      dropExpiredPartitions(db.pool, { retentionDays: 90 }),
      ...writes,
    ]);
    expect(retention.dropped.map((p) => p.name)).toContain(monthName(old));
    expect(written.reduce((sum, r) => sum + r.inserted, 0)).toBe(20);
  });
});
