/**
 * effectivenessAssessmentWorkflow: one per remediation that reached a terminal phase (DESIGN.md §5).
 *
 *   1 wait the stabilization window   (Temporal's start delay, or a durable timer: both survive worker restarts)
 *   2 gather the scoring inputs        ┐ local activity: 90-day history of the action types, 24h of the target
 *   3 score                            │ pure, in workflow code
 *   4 persist the assessment           ┘ local activity: idempotent, the first stored assessment wins
 *
 * 2–4 run in the one workflow task that follows the timer (issue #13): both calls are a few indexed queries,
 * read-only or idempotent, so a crash in the middle only repeats them. A call the Data Storage cannot answer
 * within a few local attempts goes on as a regular activity retried by the server for up to a day
 * (quick-then-durable.ts), so an outage delays the assessment without growing its history. Runs that made a
 * call before this release (`patched(LEAN_ASSESSMENT_PATCH)`) make both as regular activities, as they did.
 *
 * Started by the effectiveness monitor with an id derived from the remediation, so it runs at most once
 * per remediation. Since DELAYED_ASSESSMENT_STARTS_PATCH the monitor starts it with a start delay of the window
 * (`startedAfterWindow`): its first workflow task comes once the window has passed and goes straight to 2;
 * started as the monitor's child (before), it waits the window on a durable timer first. The Web UI shows what
 * it is doing through the current details, and the result (and the current details once done) say the
 * remediation, score and status.
 */
import { log, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, sleep } from '@temporalio/workflow';
import type { EffectivenessActivities } from '../activities/effectiveness';
import type { PersistAssessmentResult } from '../datastorage/records';
import { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { describeAssessment, remediationName } from '../domain/effectiveness/summary';
import {
  EffectivenessAssessment,
  historyWindow,
  recurrenceWindow,
  scoreEffectiveness,
} from '../domain/effectiveness/scoring';
import { LOCAL_ATTEMPTS, quickThenDurableActivities } from './quick-then-durable';

/** The patch id that marks runs making their calls as local activities first. Never reuse it. */
export const LEAN_ASSESSMENT_PATCH = 'lean-assessment-2026-12';

const durable = proxyActivities<EffectivenessActivities>({
  // Each call is a handful of indexed queries; 30s means the database is in trouble.
  startToCloseTimeout: '30s',
  // Data Storage being down must delay an assessment, not lose it: retry with backoff for up to a day.
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** The same calls as local activities, tried first (quick-then-durable.ts). */
const localFirst = quickThenDurableActivities(
  proxyLocalActivities<EffectivenessActivities>({
    startToCloseTimeout: '5s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: LOCAL_ATTEMPTS },
  }),
  durable,
);

export interface EffectivenessAssessmentInput {
  remediation: RemediationTerminal;
  /** Time to let the cluster settle before judging; 0 assesses at once. */
  stabilizationWindowMs: number;
  /** The run was started with a start delay of the window, so the wait is over (absent: wait with a timer). */
  startedAfterWindow?: boolean;
}

export interface EffectivenessAssessmentResult {
  /** The stored assessment: this run's, or the one an earlier attempt already stored. */
  assessment: EffectivenessAssessment;
  /** False when an assessment for this remediation already existed (it was kept, not replaced). */
  created: boolean;
}

export async function effectivenessAssessmentWorkflow(
  input: EffectivenessAssessmentInput,
): Promise<EffectivenessAssessmentResult> {
  const { remediation: r, stabilizationWindowMs, startedAfterWindow = false } = input;
  const who = remediationName(r);

  if (stabilizationWindowMs > 0 && !startedAfterWindow) {
    const until = new Date(Date.now() + stabilizationWindowMs).toISOString();
    setCurrentDetails(`**${who}** ${r.phase} on \`${r.target}\`: waiting for the cluster to settle until ${until}`);
    await sleep(stabilizationWindowMs);
  }

  setCurrentDetails(`**${who}**: reading action history`);
  // Decided after the timer: a run sleeping through the upgrade makes its calls the new way, having issued none.
  const { gatherEffectivenessInputs, persistEffectivenessAssessment } = patched(LEAN_ASSESSMENT_PATCH)
    ? localFirst
    : durable;
  const assessedAtMs = Date.now(); // workflow time: deterministic on replay
  const inputs = await gatherEffectivenessInputs({
    remediationId: r.remediation.id,
    target: r.target,
    actionTypes: r.actionTypes,
    assessedAt: new Date(assessedAtMs).toISOString(),
    history: historyWindow(assessedAtMs),
    recurrence: recurrenceWindow(assessedAtMs),
  });
  const assessment = scoreEffectiveness(inputs);
  const outcome: PersistAssessmentResult = await persistEffectivenessAssessment(assessment);

  const stored = outcome.assessment;
  setCurrentDetails(describeAssessment(stored, who, outcome.created));
  log.info('effectiveness assessed', {
    remediationId: stored.remediationId,
    target: stored.target,
    score: stored.score,
    status: stored.status,
    created: outcome.created,
  });
  return { assessment: stored, created: outcome.created };
}
