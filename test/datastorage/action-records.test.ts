import { DataStorageValidationError } from '../../src/datastorage/errors';
import { listPartitions } from '../../src/datastorage/partitions';
import { createPool } from '../../src/datastorage/pool';
import { createDataStorage, type DataStorage } from '../../src/datastorage/repository';
import type { TestDatabase } from '../support/stack';
import { dailyCounts, dataStorageTestDatabase } from './database';
import { DAY, HOUR, fixedNow, iso, outcome, wfeRecords } from './fixtures';

const NOW = fixedNow();
const STEPS = [
  { name: 'scale-down', actionType: 'kubernetes/scale_deployment' },
  { name: 'restart', actionType: 'kubernetes/restart_pod' },
  { name: 'verify', actionType: 'kubernetes/check_rollout' },
];

async function stepsOf(ds: DataStorage, wfeUid: string) {
  return ds.getWorkflowExecutionActions(wfeUid);
}

async function rowCount(db: TestDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM action_records');
  return Number(rows[0]!.n);
}

async function rejection(call: Promise<unknown>): Promise<DataStorageValidationError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataStorageValidationError);
  return err as DataStorageValidationError;
}

describe('action records', () => {
  let db: TestDatabase;
  let ds: DataStorage;

  beforeAll(async () => {
    db = await dataStorageTestDatabase();
    ds = createDataStorage(db.pool);
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('recordActions', () => {
    it('writes one executing row per step, all in one call', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - HOUR), steps: STEPS });
      await expect(ds.recordActions(rows)).resolves.toEqual({ inserted: 3, alreadyRecorded: 0 });
      const stored = await stepsOf(ds, rows[0]!.wfeUid);
      expect(stored.map((r) => [r.stepName, r.status, r.actionType])).toEqual([
        ['restart', 'executing', 'kubernetes/restart_pod'],
        ['scale-down', 'executing', 'kubernetes/scale_deployment'],
        ['verify', 'executing', 'kubernetes/check_rollout'],
      ]);
      expect(stored[0]).toMatchObject({
        wfeNamespace: rows[0]!.wfeNamespace,
        remediationId: rows[0]!.remediationId,
        temporalWorkflowId: rows[0]!.temporalWorkflowId,
        inputs: rows[1]!.inputs,
        executionStartedAt: iso(NOW - HOUR),
        completedAt: null,
      });
    });

    it('keeps who asked: the requester a row is written with, null when the WFE did not say', async () => {
      const requester = 'system:serviceaccount:kubernaut-system:remediationorchestrator-controller';
      const asked = wfeRecords({ executionStartedAt: iso(NOW - HOUR), steps: STEPS.slice(0, 1) }).map((r) => ({
        ...r,
        requestedBy: requester,
      }));
      const unknown = wfeRecords({ executionStartedAt: iso(NOW - HOUR), steps: STEPS.slice(0, 1) });
      await ds.recordActions([...asked, ...unknown]);
      expect((await stepsOf(ds, asked[0]!.wfeUid))[0]!.requestedBy).toBe(requester);
      expect((await stepsOf(ds, unknown[0]!.wfeUid))[0]!.requestedBy).toBeNull();
      // A completion arriving first writes it too.
      const early = wfeRecords({ executionStartedAt: iso(NOW - HOUR), steps: STEPS.slice(0, 1) });
      await ds.completeActions([outcome({ ...early[0]!, requestedBy: 'alice' }, 'succeeded')]);
      expect((await stepsOf(ds, early[0]!.wfeUid))[0]).toMatchObject({ status: 'succeeded', requestedBy: 'alice' });
    });

    it('is idempotent: writing the same steps twice leaves one unchanged row each', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 2 * HOUR), steps: STEPS });
      await ds.recordActions(rows);
      const first = await stepsOf(ds, rows[0]!.wfeUid);
      await expect(ds.recordActions(rows)).resolves.toEqual({ inserted: 0, alreadyRecorded: 3 });
      expect(await stepsOf(ds, rows[0]!.wfeUid)).toEqual(first);
    });

    it('never sets a finished step back to executing', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 3 * HOUR), steps: STEPS.slice(0, 1) });
      await ds.recordActions(rows);
      await ds.completeActions([outcome(rows[0]!, 'succeeded')]);
      await ds.recordActions(rows);
      expect((await stepsOf(ds, rows[0]!.wfeUid))[0]!.status).toBe('succeeded');
    });

    it('lets concurrent writers of the same steps all succeed, leaving one row per step', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 4 * HOUR), steps: STEPS });
      // Separate pools: separate connections, so the statements really race on the server.
      const pools = [createPool({ databaseUrl: db.url }), createPool({ databaseUrl: db.url })];
      try {
        const writers = pools.map((p) => createDataStorage(p));
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => writers[i % 2]!.recordActions(i % 3 === 0 ? [...rows].reverse() : rows)),
        );
        expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(3);
        expect(await stepsOf(ds, rows[0]!.wfeUid)).toHaveLength(3);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });

    it('rejects a batch with one bad row, naming the field, and writes none of it', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 5 * HOUR), steps: STEPS });
      const bad = [rows[0], rows[1], { ...rows[2]!, stepName: 'Not_A_Label' }];
      const before = await rowCount(db);
      const err = await rejection(ds.recordActions(bad as typeof rows));
      expect(err.retryable).toBe(false);
      expect(err.problems).toEqual([{ path: '$[2].stepName', message: expect.stringContaining('DNS-1123') }]);
      expect(err.message).toContain('$[2].stepName');
      expect(await rowCount(db)).toBe(before);
    });

    it('rejects missing fields and non-object inputs with their JSON paths', async () => {
      const [row] = wfeRecords({ executionStartedAt: iso(NOW - 5 * HOUR), steps: STEPS.slice(0, 1) });
      const { target: _omitted, ...withoutTarget } = row!;
      const err = await rejection(
        ds.recordActions([{ ...withoutTarget, inputs: ['not', 'an', 'object'] } as unknown as typeof row & object]),
      );
      expect(err.problems.map((p) => p.path).sort()).toEqual(['$[0].inputs', '$[0].target']);
    });

    it('rejects two steps of one WFE with different execution starts', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 6 * HOUR), steps: STEPS.slice(0, 2) });
      const err = await rejection(
        ds.recordActions([rows[0]!, { ...rows[1]!, executionStartedAt: iso(NOW - 7 * HOUR) }]),
      );
      expect(err.problems[0]!.path).toBe('$[1].executionStartedAt');
    });

    it('rejects a step already stored under another execution start instead of duplicating it', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 8 * HOUR), steps: STEPS });
      await ds.recordActions(rows.slice(0, 1));
      const moved = rows.map((r) => ({ ...r, executionStartedAt: iso(NOW - 40 * DAY) }));
      const err = await rejection(ds.recordActions(moved));
      expect(err.problems).toEqual([
        { path: '$[0].executionStartedAt', message: expect.stringContaining(iso(NOW - 8 * HOUR)) },
      ]);
      expect(await stepsOf(ds, rows[0]!.wfeUid)).toHaveLength(1);
    });

    it('creates the month partition on demand for an execution start long ago', async () => {
      const longAgo = new Date(NOW - 250 * DAY);
      const month = `action_records_${longAgo.getUTCFullYear()}_${String(longAgo.getUTCMonth() + 1).padStart(2, '0')}`;
      expect((await listPartitions(db.pool)).map((p) => p.name)).not.toContain(month);
      const created: string[][] = [];
      const withHook = createDataStorage(db.pool, { onPartitionsCreated: (names) => created.push(names) });
      const rows = wfeRecords({ executionStartedAt: longAgo.toISOString(), steps: STEPS });
      await expect(withHook.recordActions(rows)).resolves.toEqual({ inserted: 3, alreadyRecorded: 0 });
      expect(created).toEqual([[month]]);
      expect((await listPartitions(db.pool)).map((p) => p.name)).toContain(month);
    });

    it('rejects an execution start more than a day in the future', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW + 3 * DAY), steps: STEPS.slice(0, 1) });
      const err = await rejection(ds.recordActions(rows));
      expect(err.problems[0]).toEqual({ path: '$[0].executionStartedAt', message: expect.stringContaining('future') });
    });
  });

  describe('completeActions', () => {
    it('moves executing steps to their outcomes, with failure details and duration', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 9 * HOUR), steps: STEPS });
      await ds.recordActions(rows);
      const result = await ds.completeActions([
        outcome(rows[0]!, 'succeeded', {
          startedAt: iso(NOW - 9 * HOUR + 1000),
          completedAt: iso(NOW - 9 * HOUR + 3500),
        }),
        outcome(rows[1]!, 'failed', { failureReason: 'OOMKilled', failureMessage: 'container killed', exitCode: 137 }),
        outcome(rows[2]!, 'skipped', { startedAt: null }),
      ]);
      expect(result).toEqual({ completed: 3, insertedFinished: 0, alreadyFinished: 0 });
      const byName = Object.fromEntries((await stepsOf(ds, rows[0]!.wfeUid)).map((r) => [r.stepName, r]));
      expect(byName['scale-down']).toMatchObject({ status: 'succeeded', durationMs: 2500, failureReason: null });
      expect(byName['restart']).toMatchObject({
        status: 'failed',
        failureReason: 'OOMKilled',
        failureMessage: 'container killed',
        exitCode: 137,
      });
      expect(byName['verify']).toMatchObject({ status: 'skipped', startedAt: null });
    });

    it('changes nothing when the same outcome arrives twice', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 10 * HOUR), steps: STEPS.slice(0, 2) });
      await ds.recordActions(rows);
      const outcomes = rows.map((r) => outcome(r, 'succeeded'));
      await ds.completeActions(outcomes);
      const first = await stepsOf(ds, rows[0]!.wfeUid);
      await expect(ds.completeActions(outcomes)).resolves.toEqual({
        completed: 0,
        insertedFinished: 0,
        alreadyFinished: 2,
      });
      expect(await stepsOf(ds, rows[0]!.wfeUid)).toEqual(first);
    });

    it('keeps the first outcome: a finished step never moves again', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 11 * HOUR), steps: STEPS.slice(0, 1) });
      await ds.recordActions(rows);
      await ds.completeActions([outcome(rows[0]!, 'failed')]);
      await ds.completeActions([outcome(rows[0]!, 'succeeded')]);
      await ds.completeActions([outcome(rows[0]!, 'cancelled')]);
      expect((await stepsOf(ds, rows[0]!.wfeUid))[0]).toMatchObject({ status: 'failed', exitCode: 2 });
    });

    it('writes the full finished row when the completion arrives before the record', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 12 * HOUR), steps: STEPS.slice(0, 2) });
      await expect(ds.completeActions([outcome(rows[0]!, 'succeeded')])).resolves.toEqual({
        completed: 0,
        insertedFinished: 1,
        alreadyFinished: 0,
      });
      // The late record of both steps: only the step without an outcome is inserted as executing.
      await expect(ds.recordActions(rows)).resolves.toEqual({ inserted: 1, alreadyRecorded: 1 });
      const stored = await stepsOf(ds, rows[0]!.wfeUid);
      expect(stored.map((r) => [r.stepName, r.status])).toEqual([
        ['restart', 'executing'],
        ['scale-down', 'succeeded'],
      ]);
      expect(stored[1]).toMatchObject({ image: rows[0]!.image, target: rows[0]!.target, durationMs: 4000 });
    });

    it('keeps the outcome whatever the interleaving of concurrent records and completions', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 13 * HOUR), steps: STEPS });
      const outcomes = rows.map((r) => outcome(r, 'succeeded'));
      await Promise.all([
        ds.completeActions(outcomes),
        ds.recordActions(rows),
        ds.recordActions(rows),
        ds.completeActions(outcomes),
      ]);
      const stored = await stepsOf(ds, rows[0]!.wfeUid);
      expect(stored.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    });

    it('rejects a batch with an inconsistent outcome and leaves every step as it was', async () => {
      const rows = wfeRecords({ executionStartedAt: iso(NOW - 14 * HOUR), steps: STEPS.slice(0, 2) });
      await ds.recordActions(rows);
      const err = await rejection(
        ds.completeActions([
          outcome(rows[0]!, 'succeeded'),
          outcome(rows[1]!, 'failed', { startedAt: iso(NOW - 13 * HOUR), completedAt: iso(NOW - 14 * HOUR) }),
        ]),
      );
      expect(err.problems).toEqual([{ path: '$[1].completedAt', message: 'must not be before startedAt' }]);
      expect((await stepsOf(ds, rows[0]!.wfeUid)).map((r) => r.status)).toEqual(['executing', 'executing']);
    });

    it('rejects `executing` as an outcome', async () => {
      const [row] = wfeRecords({ executionStartedAt: iso(NOW - 15 * HOUR), steps: STEPS.slice(0, 1) });
      const err = await rejection(
        ds.completeActions([
          { ...outcome(row!, 'succeeded'), status: 'executing' } as unknown as ReturnType<typeof outcome>,
        ]),
      );
      expect(err.problems[0]).toEqual({
        path: '$[0].status',
        message: expect.stringContaining('succeeded, failed, cancelled, skipped'),
      });
    });

    it('truncates very long failure messages instead of refusing the outcome', async () => {
      const [row] = wfeRecords({ executionStartedAt: iso(NOW - 16 * HOUR), steps: STEPS.slice(0, 1) });
      await ds.completeActions([outcome(row!, 'failed', { failureMessage: 'x'.repeat(20_000) })]);
      const [stored] = await stepsOf(ds, row!.wfeUid);
      expect(stored!.failureMessage!.length).toBe(8192);
      expect(stored!.failureMessage!.endsWith('…')).toBe(true);
    });
  });
  describe('daily outcome counts', () => {
    it('stay equal to a recount of the records after every kind of write', async () => {
      const a = wfeRecords({ executionStartedAt: iso(NOW - 30 * HOUR), steps: STEPS });
      const b = wfeRecords({ executionStartedAt: iso(NOW - 3 * DAY), steps: STEPS });
      await ds.recordActions(a);
      await ds.completeActions([outcome(a[0]!, 'succeeded'), outcome(a[1]!, 'failed')]);
      await ds.completeActions(b.map((r) => outcome(r, 'cancelled')));
      await ds.recordActions(b);
      await ds.completeActions([outcome(a[0]!, 'failed')]);
      await db.pool.query('DELETE FROM action_records WHERE wfe_uid = $1 AND step_name = $2', [a[2]!.wfeUid, 'verify']);
      const { maintained, recounted } = await dailyCounts(db);
      expect(recounted.length).toBeGreaterThan(0);
      expect(maintained).toEqual(recounted);
    });
  });
});
