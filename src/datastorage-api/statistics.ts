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

/**
 * Rows of one action type and day each (daily-outcomes.ts), days oldest first within an action type, as
 * the query returns them; action types come out sorted by name, days without records are left out.
 */
export function actionStatistics(rows: DailyOutcomeRow[]): {
  totals: OutcomeSummary;
  byActionType: ActionTypeStatistics[];
} {
  const totals = zero();
  const byType = new Map<string, { counts: OutcomeCounts; daily: ActionTypeStatistics['daily'] }>();
  for (const r of rows) {
    const day = summarize(r.counts);
    if (day.total === 0) continue;
    let t = byType.get(r.actionType);
    if (!t) byType.set(r.actionType, (t = { counts: zero(), daily: [] }));
    t.daily.push({ day: r.day, ...day });
    for (const s of ACTION_STATUSES) {
      t.counts[s] += r.counts[s];
      totals[s] += r.counts[s];
    }
  }
  const byActionType = [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([actionType, t]) => ({ actionType, ...summarize(t.counts), daily: t.daily }));
  return { totals: summarize(totals), byActionType };
}
