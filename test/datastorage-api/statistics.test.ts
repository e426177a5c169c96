// The statistics representation from daily outcome counts: per action type, per day, totals.
import { actionStatistics, statisticsWindow, summarize } from '../../src/datastorage-api/statistics';

const counts = (c: Partial<Record<'executing' | 'succeeded' | 'failed' | 'cancelled' | 'skipped', number>>) => ({
  executing: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  skipped: 0,
  ...c,
});

describe('summarize', () => {
  it.each([
    [counts({}), 0, null],
    [counts({ succeeded: 3, failed: 1 }), 4, 0.75],
    [counts({ cancelled: 2, skipped: 1, executing: 4 }), 7, null],
    [counts({ succeeded: 0, failed: 2, cancelled: 1 }), 3, 0],
  ])('%j → total %d, success rate %p', (c, total, successRate) => {
    expect(summarize(c)).toEqual({ counts: c, total, successRate });
  });
});

describe('actionStatistics', () => {
  it('groups rows by action type (sorted by name), keeps their days in order, skips empty days, and totals them', () => {
    const s = actionStatistics([
      { actionType: 'b/x', day: '2026-01-01', counts: counts({ succeeded: 3 }) },
      { actionType: 'b/x', day: '2026-01-02', counts: counts({ succeeded: 1, failed: 1 }) },
      { actionType: 'a/y', day: '2026-01-03', counts: counts({ succeeded: 2 }) },
      { actionType: 'a/y', day: '2026-01-04', counts: counts({}) },
    ]);
    expect(s).toEqual({
      totals: { counts: counts({ succeeded: 6, failed: 1 }), total: 7, successRate: 6 / 7 },
      byActionType: [
        {
          actionType: 'a/y',
          counts: counts({ succeeded: 2 }),
          total: 2,
          successRate: 1,
          daily: [{ day: '2026-01-03', counts: counts({ succeeded: 2 }), total: 2, successRate: 1 }],
        },
        {
          actionType: 'b/x',
          counts: counts({ succeeded: 4, failed: 1 }),
          total: 5,
          successRate: 0.8,
          daily: [
            { day: '2026-01-01', counts: counts({ succeeded: 3 }), total: 3, successRate: 1 },
            { day: '2026-01-02', counts: counts({ succeeded: 1, failed: 1 }), total: 2, successRate: 0.5 },
          ],
        },
      ],
    });
  });
});

describe('statisticsWindow', () => {
  it.each([
    ['2026-03-01', 1, { firstDay: '2026-03-01', endDay: '2026-03-02' }],
    ['2026-03-01', 2, { firstDay: '2026-02-28', endDay: '2026-03-02' }],
    ['2028-03-01', 2, { firstDay: '2028-02-29', endDay: '2028-03-02' }],
    ['2026-12-31', 90, { firstDay: '2026-10-03', endDay: '2027-01-01' }],
  ])('%s, %d days → %j', (until, days, expected) => {
    const w = statisticsWindow(until, days);
    expect(w).toMatchObject({
      ...expected,
      days,
      since: `${expected.firstDay}T00:00:00.000Z`,
      until: `${expected.endDay}T00:00:00.000Z`,
    });
  });
});
