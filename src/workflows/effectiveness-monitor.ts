/**
 * effectivenessMonitorWorkflow: the long-lived receiver of `remediationTerminal` signals (DESIGN.md §5).
 *
 * One monitor per shard (`effectiveness-monitor/<shard>`, see domain/effectiveness/sharding.ts); senders
 * reach it with signalWithStart, so it exists as soon as the first remediation ends. For every *new*
 * remediation it starts one effectivenessAssessmentWorkflow and forgets about it:
 *
 * - one call per batch starts the batch's assessments with the Temporal client, each delayed by its
 *   stabilization window (Temporal's start delay; src/activities/assessment-starts.ts): no child-started or
 *   child-completed workflow task for the monitor, no timer task for the assessment (issue #13). A small batch
 *   (the steady state: one or a few signals per workflow task) is a local activity inside the signal's workflow
 *   task; should it not succeed within its local attempts (Temporal unreachable), it goes on as a regular
 *   activity retried until Temporal answers (quick-then-durable.ts), the signals arriving meanwhile queueing.
 *   A burst's batch is a regular activity at once (startsLocally). Runs begun before
 *   DELAYED_ASSESSMENT_STARTS_PATCH replay their child starts (parent-close policy ABANDON: assessments kept
 *   running when the monitor continued as new).
 * - duplicates are dropped twice over: a bounded memory of recent remediation ids (cheap, carried across
 *   continue-as-new), and the assessment's workflow id derived from the remediation with the reuse policy
 *   REJECT_DUPLICATE, which makes a second run impossible even after the memory forgot, across shards,
 *   and across monitor runs. "Already started" is therefore success.
 * - continue-as-new when the server suggests it or the run's history reaches `continueAsNewAtHistoryLength`
 *   (or, for tests, after `continueAsNewAfterSignals` signals), carrying queued remediations and the
 *   dedupe memory. Signal handlers are synchronous (validate, dedupe, queue); the main loop starts
 *   children in batches sized to fit under the history limit, so one workflow task issues many starts
 *   and a large queue is spread over runs rather than growing one history.
 */
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { AssessmentStartActivities } from '../activities/assessment-starts';
import { REMEDIATION_TERMINAL_SIGNAL } from '../domain/names';
import {
  EffectivenessMonitorInput,
  MonitorConfig,
  MonitorState,
  MonitorStatus,
  PendingAssessment,
  continueAsNewReason,
  monitorConfig,
  startBatchSize,
  startsLocally,
} from '../domain/effectiveness/monitor-state';
import { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { remediationName } from '../domain/effectiveness/summary';
import { assessmentStartOptions } from './assessment-start';
import { effectivenessAssessmentWorkflow } from './effectiveness-assessment';
import { LOCAL_ATTEMPTS, quickThenDurableActivities } from './quick-then-durable';

export type { EffectivenessMonitorInput } from '../domain/effectiveness/monitor-state';

/** The patch id that marks runs starting their assessments with a delayed client start. Never reuse it. */
export const DELAYED_ASSESSMENT_STARTS_PATCH = 'delayed-assessment-starts-2026-12';

/**
 * The call that makes a batch's starts, named for the Web UI's timeline (one proxy per call). A small batch runs
 * as a local activity first, inside the workflow task (quick-then-durable.ts); a burst's batch as a regular
 * activity at once (startsLocally in monitor-state.ts says why).
 */
function assessmentStarts(summary: string, batchSize: number) {
  // Until Temporal takes them: losing a remediation's assessment is worse than a monitor waiting.
  const durable = proxyActivities<AssessmentStartActivities>({
    startToCloseTimeout: '1m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
    summary,
  });
  if (!startsLocally(batchSize)) return durable;
  return quickThenDurableActivities(
    proxyLocalActivities<AssessmentStartActivities>({
      // A start takes milliseconds; a small batch of them, concurrently, well under a second.
      startToCloseTimeout: '10s',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: LOCAL_ATTEMPTS },
      summary,
    }),
    durable,
  );
}

export const remediationTerminalSignal = defineSignal<[RemediationTerminal]>(REMEDIATION_TERMINAL_SIGNAL);
export const pendingAssessmentsQuery = defineQuery<PendingAssessment[]>('pendingAssessments');
export interface EffectivenessMonitorStatus extends MonitorStatus {
  historyLength: number;
  continueAsNewSuggested: boolean;
}
export const monitorStatusQuery = defineQuery<EffectivenessMonitorStatus>('status');

export async function effectivenessMonitorWorkflow(input: EffectivenessMonitorInput = {}): Promise<never> {
  const config = monitorConfig(input);
  const state = new MonitorState(config.dedupeCapacity, input.carried);

  setHandler(remediationTerminalSignal, (raw) => {
    const accepted = state.accept(raw);
    if (accepted.outcome === 'rejected') {
      // Dropped, not thrown: a failing signal handler would fail the monitor for every other remediation.
      log.warn('ignored malformed remediationTerminal signal', { problems: accepted.problems });
    } else if (accepted.windowDisagreement) {
      log.warn(
        'remediationTerminal signals disagree on the stabilization window: set the same ' +
          'KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS on every worker and watcher',
        { ...accepted.windowDisagreement, disagreements: state.totals.windowDisagreements },
      );
    }
  });
  setHandler(pendingAssessmentsQuery, () => state.pendingAssessments());
  setHandler(monitorStatusQuery, () => ({
    ...state.status(),
    historyLength: workflowInfo().historyLength,
    continueAsNewSuggested: workflowInfo().continueAsNewSuggested,
  }));

  const reasonToContinueAsNew = () => {
    const { historyLength, continueAsNewSuggested } = workflowInfo();
    return continueAsNewReason({ historyLength, continueAsNewSuggested, signalsThisRun: state.signalsThisRun }, config);
  };

  showProgress(state);
  let batches = 0; // names each start call (assessment-starts.ts): deterministic, so a replayed call has its number
  for (;;) {
    await condition(() => state.hasQueued() || reasonToContinueAsNew() !== undefined);
    if (reasonToContinueAsNew() !== undefined) break;
    const batch = state.takeBatch(startBatchSize(workflowInfo().historyLength, state.runningCount, config));
    if (patched(DELAYED_ASSESSMENT_STARTS_PATCH)) await startDelayedAssessments(batch, config, state, ++batches);
    else await Promise.all(batch.map((r) => startChildAssessment(r, config, state)));
    showProgress(state);
  }

  // Handlers are synchronous today; waiting keeps continue-as-new correct should one ever await.
  await condition(allHandlersFinished);
  log.info('effectiveness monitor continuing as new', {
    reason: reasonToContinueAsNew(),
    historyLength: workflowInfo().historyLength,
    ...state.status(),
  });
  return continueAsNew<typeof effectivenessMonitorWorkflow>({ ...input, carried: state.carry() });
}

/** A remediation is assessed with the window of its first signal (monitor-state.ts), else the monitor's. */
function windowOf(r: RemediationTerminal, config: MonitorConfig): number {
  return r.stabilizationWindowMs ?? config.stabilizationWindowMs;
}

async function startDelayedAssessments(
  batch: RemediationTerminal[],
  config: MonitorConfig,
  state: MonitorState,
  batchNumber: number,
): Promise<void> {
  const { taskQueue, workflowId, runId } = workflowInfo();
  const outcomes = await assessmentStarts(startsSummary(batch), batch.length).startEffectivenessAssessments(
    batch.map((r) => ({
      remediation: r,
      stabilizationWindowMs: windowOf(r, config),
      taskQueue,
      startedBy: { workflowId, call: `${runId}/${batchNumber}` },
    })),
  );
  batch.forEach((r, i) => {
    if (outcomes[i] === 'started') state.started(r.remediation.id, { followed: false });
    else state.alreadyStarted(r.remediation.id);
  });
}

/** One line for the timeline: `Start 3 assessments after their stabilization window: ns/rr-a, ns/rr-b, ns/rr-c`. */
function startsSummary(batch: RemediationTerminal[]): string {
  const shown = batch.slice(0, 3).map(remediationName).join(', ');
  const more = batch.length > 3 ? ` and ${batch.length - 3} more` : '';
  const what = batch.length === 1 ? 'assessment' : 'assessments';
  return `Start ${batch.length} ${what} after their stabilization window: ${shown}${more}`;
}

/** How runs begun before DELAYED_ASSESSMENT_STARTS_PATCH start an assessment: as a child, followed to its end. */
async function startChildAssessment(r: RemediationTerminal, config: MonitorConfig, state: MonitorState): Promise<void> {
  const id = r.remediation.id;
  const stabilizationWindowMs = windowOf(r, config);
  try {
    const child = await startChild(effectivenessAssessmentWorkflow, {
      ...assessmentStartOptions(r, stabilizationWindowMs),
      args: [{ remediation: r, stabilizationWindowMs }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    state.started(id);
    // Observed only to keep the "running" view of the status query; the monitor never waits on it.
    child.result().then(
      () => state.finished(id),
      (err: unknown) => {
        state.finished(id);
        log.warn('effectiveness assessment failed', { remediationId: id, error: String(err) });
      },
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      state.alreadyStarted(id);
      return;
    }
    // Anything else is unexpected. A plain error fails the workflow task (not the monitor), which Temporal
    // retries until the cause is fixed — better than dropping the remediation.
    throw err;
  }
}

function showProgress(state: MonitorState): void {
  const s = state.status();
  setCurrentDetails(
    `run ${s.run}: ${s.queued} queued` +
      (s.running > 0 ? `, ${s.running} assessments running as children` : '') +
      '; ' +
      `total ${s.totals.started} started, ${s.totals.duplicates + s.totals.alreadyStarted} duplicates ignored, ${s.totals.rejected} malformed` +
      (s.totals.windowDisagreements > 0
        ? `; **${s.totals.windowDisagreements} signals disagreed on the stabilization window** (latest ${s.stabilizationWindowMs} ms)`
        : ''),
  );
}
