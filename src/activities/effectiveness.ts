/**
 * Activities of the effectiveness assessment: read what the scorer needs from the Data Storage, and
 * store the assessment. Deliberately thin — the windows come from the workflow, the scoring is pure
 * (src/domain/effectiveness/scoring.ts); these functions only query and persist.
 *
 * Failures: a Data Storage error marked `retryable: false` (bad input, missing table, violated
 * constraint) becomes a non-retryable ApplicationFailure of type `DataStorageRejected` (./failures.ts),
 * so the workflow fails fast and visibly instead of retrying a bug for a day; everything else
 * (connection lost, server restarting) is retried by the activity's retry policy.
 */
import type {
  ActionRecord,
  ActionStats,
  ActionStatsQuery,
  PersistAssessmentResult,
  RecentByTargetQuery,
} from '../datastorage/records';
import { dataStorageFailure } from './failures';
import {
  ActionHistorySummary,
  EFFECTIVENESS_MODEL,
  EffectivenessAssessment,
  EffectivenessInputs,
  executedNothing,
} from '../domain/effectiveness/scoring';

/** The part of the Data Storage the assessment uses (what `createDataStorage(pool)` returns satisfies it). */
export interface EffectivenessDataStorage {
  getActionStats(query: ActionStatsQuery): Promise<ActionStats>;
  getRecentByTarget(query: RecentByTargetQuery): Promise<ActionRecord[]>;
  getRemediationActions(remediationId: string): Promise<ActionRecord[]>;
  persistAssessment(assessment: EffectivenessAssessment): Promise<PersistAssessmentResult>;
}

export interface GatherEffectivenessInputsRequest {
  remediationId: string;
  target: string;
  actionTypes: string[];
  assessedAt: string;
  /** The 90-day history window. */
  history: { since: string; until: string };
  /** The 24-hour recurrence window. */
  recurrence: { since: string; until: string };
}

/** Newest finished outcomes the trend needs: 5 newest and the 5 before. */
const TREND_OUTCOMES = EFFECTIVENESS_MODEL.trendMinOutcomes;
/**
 * Records read per action type for recurrence. The rule needs 3 distinct remediations; one remediation
 * contributes one record per step of that type (at most 50), so this always reaches the third one.
 */
const RECURRENCE_RECORD_LIMIT = 200;

export function createEffectivenessActivities({ dataStorage }: { dataStorage: EffectivenessDataStorage }) {
  return {
    async gatherEffectivenessInputs(req: GatherEffectivenessInputsRequest): Promise<EffectivenessInputs> {
      return translateErrors(async () => {
        // The remediation's own records say whether it executed anything, and (for the watcher's signal,
        // which does not know them) which action types it ran.
        const own = await dataStorage.getRemediationActions(req.remediationId);
        // A step skipped, or cancelled before it started (its WFE deleted while it waited for its target or
        // before Tekton reached the step), never ran.
        const executedActions = own.filter(
          (r) => r.status !== 'skipped' && !(r.status === 'cancelled' && r.startedAt === null),
        ).length;
        const actionTypes = [...new Set(req.actionTypes.length > 0 ? req.actionTypes : own.map((r) => r.actionType))];
        const inputs: EffectivenessInputs = {
          remediationId: req.remediationId,
          target: req.target,
          actionTypes,
          assessedAt: req.assessedAt,
          combined: { succeeded: 0, failed: 0, oldestRecordAt: null, latestOutcomes: [] },
          byActionType: {},
          recentRemediationsByActionType: {},
          executedActions,
        };
        // Nothing ran (rejected or refused WFE, RR without one): not scored, so no history is needed.
        if (executedNothing(inputs) || actionTypes.length === 0) return inputs;

        const window = { since: req.history.since, until: req.history.until, latestN: TREND_OUTCOMES };
        const [perType, combined, recent] = await Promise.all([
          Promise.all(actionTypes.map((actionType) => dataStorage.getActionStats({ ...window, actionType }))),
          // One action type (the usual case): its statistics are the combined ones.
          actionTypes.length > 1 ? dataStorage.getActionStats({ ...window, actionTypes }) : undefined,
          Promise.all(
            actionTypes.map((actionType) =>
              dataStorage.getRecentByTarget({
                target: req.target,
                actionType,
                since: req.recurrence.since,
                until: req.recurrence.until,
                limit: RECURRENCE_RECORD_LIMIT,
              }),
            ),
          ),
        ]);
        actionTypes.forEach((actionType, i) => {
          inputs.byActionType[actionType] = summary(perType[i]);
          inputs.recentRemediationsByActionType[actionType] = [...new Set(recent[i].map((r) => r.remediationId))];
        });
        inputs.combined = summary(combined ?? perType[0]);
        return inputs;
      });
    },

    async persistEffectivenessAssessment(assessment: EffectivenessAssessment): Promise<PersistAssessmentResult> {
      return translateErrors(() => dataStorage.persistAssessment(assessment));
    },
  };
}

export type EffectivenessActivities = ReturnType<typeof createEffectivenessActivities>;

function summary(stats: ActionStats): ActionHistorySummary {
  return {
    succeeded: stats.succeeded,
    failed: stats.failed,
    oldestRecordAt: stats.oldestRecordAt,
    latestOutcomes: [...stats.latestOutcomes],
  };
}

async function translateErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw dataStorageFailure(err);
  }
}
