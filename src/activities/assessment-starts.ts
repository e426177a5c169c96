/**
 * The effectiveness monitor's start of assessments (issue #13): one call per batch of remediations starts
 * each one's assessment with the Temporal client, delayed by its stabilization window — Temporal's start
 * delay holds the first workflow task back, so the assessment's first task already does the work (no timer)
 * and the monitor hears nothing more of it (not a child: no "child started" or "child completed" task).
 *
 * Idempotent: the workflow id comes from the remediation and the reuse policy is REJECT_DUPLICATE
 * (assessment-start.ts), so a start Temporal refuses as already started is an answer, not an error — the
 * assessment exists or ran already. Which call started it is in the assessment's memo (`startedBy`: the
 * monitor's run and batch): the same call made again — a retry, or a workflow task Temporal failed and the
 * monitor ran again — counts its own earlier starts as started, not as duplicates. Any other failure (Temporal unreachable, the namespace
 * lacking a search attribute) fails the call after every start of the batch has been tried.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { WORKFLOW_TYPES } from '../domain/names';
import { assessmentStartOptions } from '../workflows/assessment-start';
import type { EffectivenessAssessmentInput } from '../workflows/effectiveness-assessment';

export interface AssessmentStartRequest {
  remediation: RemediationTerminal;
  /** The start delay; the assessment is told it has been waited (`startedAfterWindow`). */
  stabilizationWindowMs: number;
  /** The task queue the assessment runs on: the monitor's. */
  taskQueue: string;
  /**
   * The monitor (its workflow id is shown in the assessment's details in place of a parent link) and the call:
   * `<run id>/<batch>`, the same when the call is made again, different for every other call.
   */
  startedBy: { workflowId: string; call: string };
}

/** The memo key naming the monitor call that started an assessment. */
export const STARTED_BY_MEMO = 'startedBy';

export type AssessmentStartOutcome = 'started' | 'alreadyStarted';

export function createAssessmentStartActivities(deps: { temporalClient: Client }) {
  async function start(req: AssessmentStartRequest): Promise<AssessmentStartOutcome> {
    const { remediation, stabilizationWindowMs, taskQueue, startedBy } = req;
    const input: EffectivenessAssessmentInput = { remediation, stabilizationWindowMs, startedAfterWindow: true };
    const options = assessmentStartOptions(remediation, stabilizationWindowMs, startedBy.workflowId);
    try {
      await deps.temporalClient.workflow.start(WORKFLOW_TYPES.effectivenessAssessment, {
        ...options,
        taskQueue,
        args: [input],
        memo: { [STARTED_BY_MEMO]: startedBy.call },
        ...(stabilizationWindowMs > 0 && { startDelay: stabilizationWindowMs }),
      });
      return 'started';
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return (await startingCall(options.workflowId)) === startedBy.call ? 'started' : 'alreadyStarted';
    }
  }

  /** The monitor call that started an existing assessment (undefined: another starter, or gone already). */
  async function startingCall(workflowId: string): Promise<unknown> {
    try {
      const { memo } = await deps.temporalClient.workflow.getHandle(workflowId).describe();
      return memo?.[STARTED_BY_MEMO];
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  return {
    /** One outcome per request, in order. */
    async startEffectivenessAssessments(requests: AssessmentStartRequest[]): Promise<AssessmentStartOutcome[]> {
      const settled = await Promise.allSettled(requests.map(start));
      const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      if (failures.length > 0) {
        const first = failures[0];
        throw new Error(
          `${failures.length} of ${requests.length} assessment starts failed; the first: ${first instanceof Error ? first.message : String(first)}`,
          { cause: first },
        );
      }
      return settled.map((s) => (s as PromiseFulfilledResult<AssessmentStartOutcome>).value);
    },
  };
}

export type AssessmentStartActivities = ReturnType<typeof createAssessmentStartActivities>;
