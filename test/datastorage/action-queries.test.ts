import { DataStorageValidationError } from '../../src/datastorage/errors';
import type { ActionRecord, ExecutingActionRecord } from '../../src/datastorage/records';
import type { ActionOutcome } from '../../src/domain/action-outcomes';
import { createDataStorage, type DataStorage } from '../../src/datastorage/repository';
import type { TestDatabase } from '../support/stack';
import { dataStorageTestDatabase } from './database';
import { DAY, fixedNow, iso, outcome, wfeRecords } from './fixtures';

const NOW = fixedNow();
const RESTART = 'kubernetes/restart_pod';
const SCALE = 'kubernetes/scale_deployment';
const PR = 'gitops/create_pr';
const WEB = 'prod/Deployment/web';
const API = 'prod/Deployment/api';

/**
 * The hand-checked dataset (times are execution starts, relative to NOW):
 *
 *   wfe   start  target  remediation  steps
 *   wfe1  -10d   web     prod/rr-1    restart(RESTART)=succeeded  scale(SCALE)=failed
 *   wfe2   -8d   web     prod/rr-2    restart(RESTART)=failed
 *   wfe3   -6d   api     prod/rr-3    restart-a(RESTART)=succeeded  restart-b(RESTART)=cancelled
 *   wfe4   -4d   web     prod/rr-4    restart(RESTART)=skipped  open-pr(PR)=succeeded
 *   wfe5   -2d   web     prod/rr-5    restart(RESTART)=executing
 *   wfe6  -40d   web     prod/rr-6    restart(RESTART)=succeeded
 */
const DATASET: {
  key: string;
  daysAgo: number;
  target: string;
  steps: [name: string, actionType: string, status: ActionOutcome | 'executing'][];
}[] = [
  {
    key: 'wfe1',
    daysAgo: 10,
    target: WEB,
    steps: [
      ['restart', RESTART, 'succeeded'],
      ['scale', SCALE, 'failed'],
    ],
  },
  { key: 'wfe2', daysAgo: 8, target: WEB, steps: [['restart', RESTART, 'failed']] },
  {
    key: 'wfe3',
    daysAgo: 6,
    target: API,
    steps: [
      ['restart-a', RESTART, 'succeeded'],
      ['restart-b', RESTART, 'cancelled'],
    ],
  },
  {
    key: 'wfe4',
    daysAgo: 4,
    target: WEB,
    steps: [
      ['restart', RESTART, 'skipped'],
      ['open-pr', PR, 'succeeded'],
    ],
  },
  { key: 'wfe5', daysAgo: 2, target: WEB, steps: [['restart', RESTART, 'executing']] },
  { key: 'wfe6', daysAgo: 40, target: WEB, steps: [['restart', RESTART, 'succeeded']] },
];

const since = (days: number) => iso(NOW - days * DAY);
/** `wfe3:restart-a` for a record, to compare results with the table above. */
const label = (r: ActionRecord) => `${r.wfeName}:${r.stepName}`;

describe('action history queries', () => {
  let db: TestDatabase;
  let ds: DataStorage;

  beforeAll(async () => {
    db = await dataStorageTestDatabase();
    ds = createDataStorage(db.pool);
    for (const wfe of DATASET) {
      const n = wfe.key.slice(3);
      const rows: ExecutingActionRecord[] = wfeRecords({
        name: wfe.key,
        remediationId: `prod/rr-${n}`,
        target: wfe.target,
        executionStartedAt: since(wfe.daysAgo),
        steps: wfe.steps.map(([name, actionType]) => ({ name, actionType })),
      });
      await ds.recordActions(rows);
      const finished = wfe.steps.flatMap(([, , status], i) =>
        status === 'executing' ? [] : [outcome(rows[i]!, status)],
      );
      await ds.completeActions(finished);
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('getActionHistory', () => {
    it('returns one action type newest first, ties broken by step name', async () => {
      const page = await ds.getActionHistory({ actionTypes: [RESTART], since: since(30), until: iso(NOW) });
      expect(page.records.map(label)).toEqual([
        'wfe5:restart',
        'wfe4:restart',
        'wfe3:restart-b',
        'wfe3:restart-a',
        'wfe2:restart',
        'wfe1:restart',
      ]);
      expect(page.nextCursor).toBeNull();
    });

    it('pages through the same records with the cursor, without gaps or repeats', async () => {
      const query = { actionTypes: [RESTART], since: since(30), until: iso(NOW), limit: 2 };
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await ds.getActionHistory({ ...query, cursor });
        pages.push(page.records.map(label));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages).toEqual([
        ['wfe5:restart', 'wfe4:restart'],
        ['wfe3:restart-b', 'wfe3:restart-a'],
        ['wfe2:restart', 'wfe1:restart'],
      ]);
    });

    it('merges several action types in one newest-first order', async () => {
      const page = await ds.getActionHistory({
        actionTypes: [PR, RESTART],
        since: since(30),
        until: iso(NOW),
        limit: 3,
      });
      expect(page.records.map(label)).toEqual(['wfe5:restart', 'wfe4:restart', 'wfe4:open-pr']);
      expect(page.nextCursor).not.toBeNull();
    });

    it('includes `since` and excludes `until`', async () => {
      const page = await ds.getActionHistory({ actionTypes: [RESTART], since: since(8), until: since(4) });
      expect(page.records.map(label)).toEqual(['wfe3:restart-b', 'wfe3:restart-a', 'wfe2:restart']);
    });

    it('filters by target', async () => {
      const page = await ds.getActionHistory({
        actionTypes: [RESTART],
        since: since(60),
        until: iso(NOW),
        target: API,
      });
      expect(page.records.map(label)).toEqual(['wfe3:restart-b', 'wfe3:restart-a']);
    });

    it('returns the stored record in full', async () => {
      const page = await ds.getActionHistory({ actionTypes: [SCALE], since: since(30), until: iso(NOW) });
      expect(page.records).toEqual([
        expect.objectContaining({
          wfeName: 'wfe1',
          stepName: 'scale',
          actionType: SCALE,
          status: 'failed',
          target: WEB,
          remediationId: 'prod/rr-1',
          executionStartedAt: since(10),
          durationMs: 4000,
          failureReason: 'TaskFailed',
          exitCode: 2,
        }),
      ]);
    });

    it('rejects a window that ends before it starts', async () => {
      await expect(ds.getActionHistory({ actionTypes: [RESTART], since: iso(NOW), until: since(1) })).rejects.toThrow(
        /\$\.since: must not be after until/,
      );
    });

    it('rejects a query without action types and a forged cursor, naming the field', async () => {
      await expect(ds.getActionHistory({ actionTypes: [], since: since(30), until: iso(NOW) })).rejects.toThrow(
        /\$\.actionTypes: must name at least one action type/,
      );
      await expect(
        ds.getActionHistory({ actionTypes: [RESTART], since: since(30), until: iso(NOW), cursor: 'bm90LWEtY3Vyc29y' }),
      ).rejects.toBeInstanceOf(DataStorageValidationError);
    });
  });

  describe('getActionStats', () => {
    it('counts every status, finds the oldest record and lists the newest verdicts', async () => {
      const stats = await ds.getActionStats({ actionType: RESTART, since: since(30), until: iso(NOW) });
      expect(stats).toEqual({
        actionTypes: [RESTART],
        since: since(30),
        until: iso(NOW),
        counts: { executing: 1, succeeded: 2, failed: 1, cancelled: 1, skipped: 1 },
        total: 6,
        succeeded: 2,
        failed: 1,
        oldestRecordAt: since(10),
        latestOutcomes: ['succeeded', 'failed', 'succeeded'],
      });
    });

    it('stops at latestN verdicts and reaches further back with a longer window', async () => {
      const stats = await ds.getActionStats({ actionType: RESTART, since: since(60), until: iso(NOW), latestN: 2 });
      expect(stats.latestOutcomes).toEqual(['succeeded', 'failed']);
      expect(stats.succeeded).toBe(3);
      expect(stats.oldestRecordAt).toBe(since(40));
    });

    it('combines several action types', async () => {
      const stats = await ds.getActionStats({ actionTypes: [RESTART, PR], since: since(30), until: iso(NOW) });
      expect(stats.counts).toEqual({ executing: 1, succeeded: 3, failed: 1, cancelled: 1, skipped: 1 });
      expect(stats.latestOutcomes).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded']);
    });

    it('counts exactly in a window shorter than a day and in one that is not day-aligned', async () => {
      const withinADay = await ds.getActionStats({
        actionType: RESTART,
        since: iso(NOW - 6 * DAY - 1000),
        until: iso(NOW - 6 * DAY + 1000),
      });
      expect(withinADay.counts).toEqual({ executing: 0, succeeded: 1, failed: 0, cancelled: 1, skipped: 0 });
      const offset = await ds.getActionStats({
        actionType: RESTART,
        since: iso(NOW - 8 * DAY + 1000),
        until: iso(NOW - 2 * DAY),
      });
      expect(offset.counts).toEqual({ executing: 0, succeeded: 1, failed: 0, cancelled: 1, skipped: 1 });
    });

    it('reports an action type without records as empty', async () => {
      const stats = await ds.getActionStats({ actionType: 'aws/reboot_instance', since: since(90) });
      expect(stats).toMatchObject({ total: 0, succeeded: 0, failed: 0, oldestRecordAt: null, latestOutcomes: [] });
    });

    it('requires exactly one of actionType and actionTypes', async () => {
      await expect(ds.getActionStats({ actionType: RESTART, actionTypes: [PR], since: since(30) })).rejects.toThrow(
        /\$\.actionType: give exactly one of actionType or actionTypes/,
      );
    });
  });

  describe('getRecentByTarget', () => {
    it('returns the target’s records of one action type in the window, newest first', async () => {
      const recent = await ds.getRecentByTarget({ target: WEB, actionType: RESTART, since: since(8), until: iso(NOW) });
      expect(recent.map((r) => [label(r), r.remediationId])).toEqual([
        ['wfe5:restart', 'prod/rr-5'],
        ['wfe4:restart', 'prod/rr-4'],
        ['wfe2:restart', 'prod/rr-2'],
      ]);
    });
  });

  describe('lookups by WorkflowExecution and remediation', () => {
    it('lists every step of a remediation', async () => {
      const steps = await ds.getRemediationActions('prod/rr-3');
      expect(steps.map(label).sort()).toEqual(['wfe3:restart-a', 'wfe3:restart-b']);
    });

    it('returns nothing for an unknown WorkflowExecution', async () => {
      await expect(ds.getWorkflowExecutionActions('no-such-uid')).resolves.toEqual([]);
    });
  });
});
