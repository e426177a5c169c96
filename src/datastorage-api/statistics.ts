/**
 * Daily outcome counts (one row per action type, day and status) → the statistics representation:
 * per action type its counts, success rate and daily buckets, plus totals. Pure, table-tested.
 *
 * success rate = succeeded / (succeeded + failed): cancelled, skipped and still-executing records reached
 * no verdict (the same rule as the effectiveness score, DESIGN.md §5); null when nothing did.
 */
import type { DailyOutcomeRow } from '../datastorage/daily-outcomes';
import { ACTION_STATUSES, type ActionStatus } from '../domain/action-outcomes';

export type OutcomeCounts = Record<ActionStatus, number>;

export interface OutcomeSummary {
  counts: OutcomeCounts;
  total: number;
  successRate: number | null;
}

export interface ActionTypeStatistics extends OutcomeSummary {
  actionType: string;
  daily: (OutcomeSummary & { day: string })[];
}

export interface StatisticsWindow {
  /** First UTC day, YYYY-MM-DD. */
  firstDay: string;
  /** Number of days. */
  days: number;
}

const DAY_MS = 86_400_000;

export function statisticsWindow(untilDay: string, days: number) {
  const end = Date.parse(`${untilDay}T00:00:00Z`) + DAY_MS;
  const start = end - days * DAY_MS;
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    firstDay: date(start),
    endDay: date(end),
    since: new Date(start).toISOString(),
    until: new Date(end).toISOString(),
    days,
  };
}

/**
 * A literal, not built from ACTION_STATUSES: one is made for every day of every action type (hundreds for
 * a target's 90 days; building them was half the handler's time), and the type still requires every status.
 */
const zero = (): OutcomeCounts => ({ executing: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 });

export function summarize(counts: OutcomeCounts): OutcomeSummary {
  const total = ACTION_STATUSES.reduce((sum, s) => sum + counts[s], 0);
  const verdicts = counts.succeeded + counts.failed;
  return { counts, total, successRate: verdicts === 0 ? null : counts.succeeded / verdicts };
}

/** Rows in any order; action types sorted by name, days oldest first, only days with records. */
export function actionStatistics(rows: DailyOutcomeRow[]): {
  totals: OutcomeSummary;
  byActionType: ActionTypeStatistics[];
} {
  const totals = zero();
  const byType = new Map<string, { counts: OutcomeCounts; days: Map<string, OutcomeCounts> }>();
  for (const r of rows) {
    if (r.records === 0) continue;
    let t = byType.get(r.actionType);
    if (!t) byType.set(r.actionType, (t = { counts: zero(), days: new Map() }));
    let d = t.days.get(r.day);
    if (!d) t.days.set(r.day, (d = zero()));
    d[r.status] += r.records;
    t.counts[r.status] += r.records;
    totals[r.status] += r.records;
  }
  const byActionType = [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([actionType, t]) => ({
      actionType,
      ...summarize(t.counts),
      daily: [...t.days.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([day, counts]) => ({ day, ...summarize(counts) })),
    }));
  return { totals: summarize(totals), byActionType };
}
