/**
 * Effectiveness scoring (DESIGN.md §5): how well did the actions a remediation ran work, judged by
 * their recorded outcomes over the last 90 days, and is the remediation stuck in a loop?
 *
 * Pure and deterministic: the assessment workflow gathers the inputs through an activity, calls
 * `scoreEffectiveness` in workflow code (so it must stay free of I/O and of wall-clock time — the
 * assessment time is an input) and persists the result through another activity.
 *
 * Rules, each a small named function so the table tests can pin every boundary:
 * - traditional score = succeeded / finished; 0.5 (no opinion) when nothing finished. Only `succeeded`
 *   and `failed` are outcomes: a `skipped` step never ran and a `cancelled` one was interrupted, so
 *   neither says anything about whether the action works; `executing` has no outcome yet.
 * - data age = assessment time − oldest record; under 8 weeks the status is `insufficient_data`.
 * - confidence = 0.5, 0.8 from 8 weeks of data, 0.9 from 12 weeks; +0.05 with more than 100 finished
 *   actions; capped at 0.95. Computed in integer hundredths so 0.8 + 0.05 is exactly 0.85.
 * - trend, with at least 10 finished outcomes: mean of the newest 5 minus mean of the 5 before;
 *   ≥ +0.1 `improving`, ≤ −0.1 `declining`, otherwise `stable`. Compared with a tolerance because
 *   means of fractional values are not exact in binary floating point (0.5 − 0.4 = 0.0999…).
 * - recurrence: the same target remediated with the same action type by 3 or more distinct
 *   remediations within 24 hours (the assessed one included) makes the status `ineffective_loop`
 *   whatever the score: a fix that has to be re-applied over and over is not working.
 * - a remediation that executed nothing is not scored: status `no_execution`, no score and no
 *   confidence, nothing else looked at. Upstream's monitor does the same (ADR-EM-001 §5: no
 *   `workflowexecution.workflow.started` event → `no_execution`, score null): a WorkflowExecution rejected
 *   by validation, refused before its PipelineRun, deleted or timed out while it waited for its target, or a
 *   RemediationRequest that never got one says nothing
 *   about whether its actions work, and scoring it from other remediations' history (or counting its
 *   target towards a loop) would report an effect that never happened. "Executed nothing" is read from
 *   the Data Storage: no action record of the remediation other than `skipped`, or `cancelled` before it
 *   started (such steps never ran).
 */
import type { ActionVerdict } from '../action-outcomes';

export const EFFECTIVENESS_MODEL = {
  historyWindowMs: 90 * 24 * 60 * 60 * 1000,
  noHistoryScore: 0.5,
  sufficientDataAgeMs: 8 * 7 * 24 * 60 * 60 * 1000,
  highConfidenceDataAgeMs: 12 * 7 * 24 * 60 * 60 * 1000,
  /** Confidence ladder in hundredths (integers keep sums exact). */
  confidenceBase: 50,
  confidenceFrom8Weeks: 80,
  confidenceFrom12Weeks: 90,
  largeSampleBonus: 5,
  /** "+0.05 over 100 actions": strictly more than this many finished actions. */
  largeSampleAbove: 100,
  confidenceCap: 95,
  trendMinOutcomes: 10,
  trendWindow: 5,
  trendThreshold: 0.1,
  trendTolerance: 1e-9,
  recurrenceWindowMs: 24 * 60 * 60 * 1000,
  recurrenceThreshold: 3,
} as const;

export const TRENDS = ['improving', 'declining', 'stable', 'insufficient_data'] as const;
export type Trend = (typeof TRENDS)[number];
/** What the history alone says (per action type, and combined). */
export const HISTORY_STATUSES = ['assessed', 'insufficient_data'] as const;
export type HistoryStatus = (typeof HISTORY_STATUSES)[number];
/** A scored assessment's status: the history's, unless the remediation recurs (an ineffective loop). */
export const SCORED_STATUSES = [...HISTORY_STATUSES, 'ineffective_loop'] as const;
export type ScoredStatus = (typeof SCORED_STATUSES)[number];
/** The remediation executed nothing: not scored (no score, no confidence), ignored by anything that counts scores. */
export const NO_EXECUTION = 'no_execution';
export const ASSESSMENT_STATUSES = [...SCORED_STATUSES, NO_EXECUTION] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

/** What the action records say about one action type (or several together) over the history window. */
export interface ActionHistorySummary {
  succeeded: number;
  failed: number;
  /** RFC 3339 time of the oldest record in the window, of any status; null with no records. */
  oldestRecordAt: string | null;
  /** Outcomes of the most recently finished actions, newest first (at least 10 are needed for a trend). */
  latestOutcomes: ActionVerdict[];
}

export interface EffectivenessInputs {
  remediationId: string;
  target: string;
  actionTypes: string[];
  /** The assessment's "now" (workflow time), RFC 3339. */
  assessedAt: string;
  /** All of the remediation's action types together. */
  combined: ActionHistorySummary;
  byActionType: Record<string, ActionHistorySummary>;
  /**
   * Distinct remediation ids that acted on the same target with each action type within the recurrence
   * window before `assessedAt`. The assessed remediation counts whether or not it is listed.
   */
  recentRemediationsByActionType: Record<string, string[]>;
  /**
   * The remediation's own action records that ran (any status but `skipped`, and not `cancelled` before
   * starting); 0 means it executed nothing.
   * Absent in inputs gathered before this existed (recorded histories): scored as before.
   */
  executedActions?: number;
}

// Type aliases rather than interfaces: they are assignable to the Data Storage's record schemas.
export type HistoryAssessment = {
  score: number;
  confidence: number;
  status: HistoryStatus;
  trend: Trend;
  /** Finished (succeeded + failed) actions the score is based on. */
  sampleSize: number;
  dataAgeMs: number;
};

export type RecurrenceFinding = {
  actionType: string;
  remediations: number;
};

interface AssessmentFields {
  remediationId: string;
  target: string;
  actionTypes: string[];
  assessedAt: string;
  window: { since: string; until: string };
  trend: Trend;
  sampleSize: number;
  dataAgeMs: number;
  /** Action types whose recurrence reached the threshold (empty unless the status is `ineffective_loop`). */
  recurrence: RecurrenceFinding[];
  byActionType: Record<string, HistoryAssessment>;
}

export interface ScoredAssessment extends AssessmentFields {
  status: ScoredStatus;
  score: number;
  confidence: number;
}

/** A remediation that executed nothing: recorded as assessed, with nothing scored. */
export interface UnexecutedAssessment extends AssessmentFields {
  status: typeof NO_EXECUTION;
  score: null;
  confidence: null;
}

export type EffectivenessAssessment = ScoredAssessment | UnexecutedAssessment;

const M = EFFECTIVENESS_MODEL;

export function traditionalScore(h: Pick<ActionHistorySummary, 'succeeded' | 'failed'>): number {
  const finished = h.succeeded + h.failed;
  return finished === 0 ? M.noHistoryScore : h.succeeded / finished;
}

export function dataAgeMs(oldestRecordAt: string | null, assessedAtMs: number): number {
  if (oldestRecordAt === null) return 0;
  return Math.max(0, assessedAtMs - parseTime(oldestRecordAt, 'oldestRecordAt'));
}

export function historyStatus(ageMs: number): HistoryStatus {
  return ageMs >= M.sufficientDataAgeMs ? 'assessed' : 'insufficient_data';
}

export function confidenceFor(ageMs: number, finishedActions: number): number {
  let hundredths: number = M.confidenceBase;
  if (ageMs >= M.highConfidenceDataAgeMs) hundredths = M.confidenceFrom12Weeks;
  else if (ageMs >= M.sufficientDataAgeMs) hundredths = M.confidenceFrom8Weeks;
  if (finishedActions > M.largeSampleAbove) hundredths += M.largeSampleBonus;
  return Math.min(hundredths, M.confidenceCap) / 100;
}

/** `values` newest first, each in [0, 1] (an action outcome is 1 for succeeded, 0 for failed). */
export function trendOf(values: readonly number[]): Trend {
  if (values.length < M.trendMinOutcomes) return 'insufficient_data';
  const newest = mean(values.slice(0, M.trendWindow));
  const previous = mean(values.slice(M.trendWindow, 2 * M.trendWindow));
  const change = newest - previous;
  if (change >= M.trendThreshold - M.trendTolerance) return 'improving';
  if (change <= -M.trendThreshold + M.trendTolerance) return 'declining';
  return 'stable';
}

export function outcomeValue(outcome: ActionVerdict): number {
  return outcome === 'succeeded' ? 1 : 0;
}

export function assessHistory(h: ActionHistorySummary, assessedAtMs: number): HistoryAssessment {
  const sampleSize = h.succeeded + h.failed;
  const age = dataAgeMs(h.oldestRecordAt, assessedAtMs);
  return {
    score: traditionalScore(h),
    confidence: confidenceFor(age, sampleSize),
    status: historyStatus(age),
    trend: trendOf(h.latestOutcomes.map(outcomeValue)),
    sampleSize,
    dataAgeMs: age,
  };
}

/** Action types the target was remediated with by `recurrenceThreshold` or more distinct remediations. */
export function recurrenceOf(
  remediationId: string,
  actionTypes: readonly string[],
  recentRemediationsByActionType: Record<string, readonly string[]>,
): RecurrenceFinding[] {
  const findings: RecurrenceFinding[] = [];
  for (const actionType of unique(actionTypes)) {
    const remediations = new Set(recentRemediationsByActionType[actionType] ?? []);
    remediations.add(remediationId);
    if (remediations.size >= M.recurrenceThreshold) findings.push({ actionType, remediations: remediations.size });
  }
  return findings;
}

/** Whether the remediation executed nothing (see the module comment); inputs without the count did execute. */
export function executedNothing(inputs: Pick<EffectivenessInputs, 'executedActions'>): boolean {
  return inputs.executedActions === 0;
}

export function scoreEffectiveness(inputs: EffectivenessInputs): EffectivenessAssessment {
  const assessedAtMs = parseTime(inputs.assessedAt, 'assessedAt');
  if (executedNothing(inputs)) {
    return {
      remediationId: inputs.remediationId,
      target: inputs.target,
      actionTypes: unique(inputs.actionTypes),
      assessedAt: new Date(assessedAtMs).toISOString(),
      window: historyWindow(assessedAtMs),
      status: NO_EXECUTION,
      score: null,
      confidence: null,
      trend: 'insufficient_data',
      sampleSize: 0,
      dataAgeMs: 0,
      recurrence: [],
      byActionType: {},
    };
  }
  const combined = assessHistory(inputs.combined, assessedAtMs);
  const byActionType: Record<string, HistoryAssessment> = {};
  for (const actionType of unique(inputs.actionTypes)) {
    const history = inputs.byActionType[actionType] ?? EMPTY_HISTORY;
    byActionType[actionType] = assessHistory(history, assessedAtMs);
  }
  const recurrence = recurrenceOf(inputs.remediationId, inputs.actionTypes, inputs.recentRemediationsByActionType);
  return {
    remediationId: inputs.remediationId,
    target: inputs.target,
    actionTypes: unique(inputs.actionTypes),
    assessedAt: new Date(assessedAtMs).toISOString(),
    window: historyWindow(assessedAtMs),
    status: recurrence.length > 0 ? 'ineffective_loop' : combined.status,
    score: combined.score,
    confidence: combined.confidence,
    trend: combined.trend,
    sampleSize: combined.sampleSize,
    dataAgeMs: combined.dataAgeMs,
    recurrence,
    byActionType,
  };
}

/** The 90-day window the history is read over, ending at the assessment time. */
export function historyWindow(assessedAtMs: number): { since: string; until: string } {
  return {
    since: new Date(assessedAtMs - M.historyWindowMs).toISOString(),
    until: new Date(assessedAtMs).toISOString(),
  };
}

export function recurrenceWindow(assessedAtMs: number): { since: string; until: string } {
  return {
    since: new Date(assessedAtMs - M.recurrenceWindowMs).toISOString(),
    until: new Date(assessedAtMs).toISOString(),
  };
}

const EMPTY_HISTORY: ActionHistorySummary = { succeeded: 0, failed: 0, oldestRecordAt: null, latestOutcomes: [] };

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function parseTime(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`${field}: must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  return ms;
}
