/**
 * The WorkflowExecution status as its workflow last decided it, and the one way a new status goes out:
 * to the WFE's status subresource (an activity), to the Web UI (the run's current details) and, when the
 * phase changes, to the run's search attributes. Workflow code: the status is replayed, never read back.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { WorkflowExecutionRef, WriteOutcome } from '../activities/workflow-executions';
import type { WorkflowExecutionStatus } from '../domain/workflow-execution';
import { workflowExecutionSearchAttributes, type WorkflowExecutionAttributes } from './search-attributes';
import { describeStatus } from './workflow-execution-details';

export type TemporalStatus = NonNullable<WorkflowExecutionStatus['temporal']>;

export interface StatusPublisherOptions {
  ref: WorkflowExecutionRef;
  /** Where the run is, written into every status so operators find the trace from the WFE. */
  temporal: TemporalStatus;
  /** Writes the status to the WFE (the syncWorkflowExecutionStatus activity). */
  sync(input: { ref: WorkflowExecutionRef; status: WorkflowExecutionStatus }): Promise<WriteOutcome>;
}

export class StatusPublisher {
  readonly temporal: TemporalStatus;
  private last?: WorkflowExecutionStatus;
  private lastPhase?: string;
  /** Until the spec is known to be valid, the run is findable by its WFE's namespace and name only. */
  private attributes = (phase: string): WorkflowExecutionAttributes => ({
    namespace: this.options.ref.namespace,
    name: this.options.ref.name,
    phase,
  });

  constructor(private readonly options: StatusPublisherOptions) {
    this.temporal = options.temporal;
  }

  /** The status last published (the `status` query answers it). */
  get current(): WorkflowExecutionStatus | undefined {
    return this.last;
  }

  /** From now on the search attributes carry these (a valid spec names its remediation, target, actions). */
  describeRunAs(attributes: Omit<WorkflowExecutionAttributes, 'phase'>): void {
    this.attributes = (phase) => ({ ...attributes, phase });
  }

  publish(next: WorkflowExecutionStatus): Promise<WriteOutcome> {
    const status: WorkflowExecutionStatus = { ...next, temporal: this.temporal };
    this.last = status;
    setCurrentDetails(describeStatus(this.options.ref, status));
    if (status.phase !== this.lastPhase) {
      this.lastPhase = status.phase;
      upsertSearchAttributes(workflowExecutionSearchAttributes(this.attributes(status.phase)));
    }
    return this.options.sync({ ref: this.options.ref, status });
  }
}
