/**
 * Outcomes of action records per action type and UTC day, over whole UTC days: the query behind the
 * Data Storage API's statistics.
 *
 * Without a target the counts come from `action_record_daily_counts` alone (kept exact by triggers on
 * every write), so 90 days cost the same at 10 million records as at 10 thousand. With a target they are
 * counted from the records through `action_records_target_type_time_idx`, which carries status (a
 * target has few records, and the index alone answers).
 */
import type { Queryable } from './partitions';
import type { ActionStatus } from '../domain/action-outcomes';

export interface DailyOutcomesQuery {
  /** First UTC day, `YYYY-MM-DD`. */
  firstDay: string;
  /** Day after the last one (exclusive), `YYYY-MM-DD`. */
  endDay: string;
  /** Only these action types; all when omitted. */
  actionTypes?: string[];
  target?: string;
}

export interface DailyOutcomeRow {
  actionType: string;
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  status: ActionStatus;
  records: number;
}

export function dailyOutcomesStatement(q: DailyOutcomesQuery): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [q.firstDay, q.endDay];
  const types = q.actionTypes === undefined ? '' : `AND action_type = ANY($${values.push(q.actionTypes)}::text[])`;
  if (q.target === undefined) {
    return {
      name: `kubernaut_daily_outcomes${types ? '_types' : ''}`,
      text: `
        SELECT action_type, day::text AS day, status, records::bigint::text AS records
        FROM action_record_daily_counts
        WHERE day >= $1::date AND day < $2::date ${types} AND records <> 0
        ORDER BY action_type, day, status`,
      values,
    };
  }
  const target = `$${values.push(q.target)}`;
  return {
    name: `kubernaut_daily_outcomes_target${types ? '_types' : ''}`,
    text: `
      SELECT action_type, (execution_started_at AT TIME ZONE 'UTC')::date::text AS day, status,
             count(*)::text AS records
      FROM action_records
      WHERE target = ${target} ${types}
        AND execution_started_at >= ($1::date::timestamp AT TIME ZONE 'UTC')
        AND execution_started_at < ($2::date::timestamp AT TIME ZONE 'UTC')
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3`,
    values,
  };
}

export async function selectDailyOutcomes(db: Queryable, q: DailyOutcomesQuery): Promise<DailyOutcomeRow[]> {
  const { rows } = await db.query<{ action_type: string; day: string; status: ActionStatus; records: string }>(
    dailyOutcomesStatement(q),
  );
  return rows.map((r) => ({ actionType: r.action_type, day: r.day, status: r.status, records: Number(r.records) }));
}
