/**
 * effectivenessMonitorWorkflow: the long-lived receiver of `remediationTerminal` signals (DESIGN.md §5).
 *
 * One monitor per shard (`effectiveness-monitor/<shard>`, see domain/effectiveness/sharding.ts); senders
 * reach it with signalWithStart, so it exists as soon as the first remediation ends. For every *new*
 * remediation it starts one effectivenessAssessmentWorkflow child and forgets about it:
 *
 * - duplicates are dropped twice over: a bounded memory of recent remediation ids (cheap, carried across
 *   continue-as-new), and the child's workflow id derived from the remediation with the reuse policy
 *   REJECT_DUPLICATE, which makes a second run impossible even after the memory forgot, across shards,
 *   and across monitor runs. "Already started" is therefore success.
 * - parent-close policy ABANDON: assessments keep running (and sleeping) when the monitor continues as new.
 * - continue-as-new when the server suggests it or the run's history reaches `continueAsNewAtHistoryLength`
 *   (or, for tests, after `continueAsNewAfterSignals` signals), carrying queued remediations and the
 *   dedupe memory. Signal handlers are synchronous (validate, dedupe, queue); the main loop starts
 *   children in batches sized to fit under the history limit, so one workflow task issues many starts
 *   and a large queue is spread over runs rather than growing one history.
 */
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { REMEDIATION_TERMINAL_SIGNAL, effectivenessAssessmentWorkflowId } from '../domain/names';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';
import {
  EffectivenessMonitorInput,
  MonitorConfig,
  MonitorState,
  MonitorStatus,
  PendingAssessment,
  continueAsNewReason,
  monitorConfig,
  startBatchSize,
} from '../domain/effectiveness/monitor-state';
import { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { assessmentStaticDetails, assessmentStaticSummary } from '../domain/effectiveness/summary';
import { effectivenessAssessmentWorkflow } from './effectiveness-assessment';

export type { EffectivenessMonitorInput } from '../domain/effectiveness/monitor-state';

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
  for (;;) {
    await condition(() => state.hasQueued() || reasonToContinueAsNew() !== undefined);
    if (reasonToContinueAsNew() !== undefined) break;
    const batch = state.takeBatch(startBatchSize(workflowInfo().historyLength, state.runningCount, config));
    await Promise.all(batch.map((r) => startAssessment(r, config, state)));
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

async function startAssessment(r: RemediationTerminal, config: MonitorConfig, state: MonitorState): Promise<void> {
  const id = r.remediation.id;
  const stabilizationWindowMs = r.stabilizationWindowMs ?? config.stabilizationWindowMs;
  try {
    const child = await startChild(effectivenessAssessmentWorkflow, {
      workflowId: effectivenessAssessmentWorkflowId(r.remediation),
      args: [{ remediation: r, stabilizationWindowMs }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: assessmentStaticSummary(r),
      staticDetails: assessmentStaticDetails(r, stabilizationWindowMs),
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTE_KEYS.remediation, value: r.remediation.id },
        { key: SEARCH_ATTRIBUTE_KEYS.target, value: r.target },
        { key: SEARCH_ATTRIBUTE_KEYS.actionTypes, value: [...new Set(r.actionTypes)] },
      ],
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
    `run ${s.run}: ${s.queued} queued, ${s.running} assessments running; ` +
      `total ${s.totals.started} started, ${s.totals.duplicates + s.totals.alreadyStarted} duplicates ignored, ${s.totals.rejected} malformed` +
      (s.totals.windowDisagreements > 0
        ? `; **${s.totals.windowDisagreements} signals disagreed on the stabilization window** (latest ${s.stabilizationWindowMs} ms)`
        : ''),
  );
}
