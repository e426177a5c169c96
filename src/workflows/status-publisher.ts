/**
 * The WorkflowExecution status as its workflow last decided it, and how it goes out: to the Web UI (the
 * run's current details) and, when the phase changes, to the run's search attributes (`show`), and to the
 * WFE's status subresource (`publish`: also through an activity; the lean path writes from its batched
 * activities instead). Workflow code: the status is replayed, never read back.
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
  /** Writes the status to the WFE (the syncWorkflowExecutionStatus activity); only `publish` uses it. */
  sync?(input: { ref: WorkflowExecutionRef; status: WorkflowExecutionStatus }): Promise<WriteOutcome>;
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

  /**
   * Makes `next` the current status (with the run's Temporal reference), shown in the Web UI. The search
   * attributes get `searchPhase` when given — a run whose PipelineRun runs while the workflow waits is
   * `Running` there even before Tekton's first report reaches it — else the status's phase.
   */
  show(next: WorkflowExecutionStatus, searchPhase: string = next.phase): WorkflowExecutionStatus {
    const status: WorkflowExecutionStatus = { ...next, temporal: this.temporal };
    this.last = status;
    setCurrentDetails(describeStatus(this.options.ref, status));
    if (searchPhase !== this.lastPhase) {
      this.lastPhase = searchPhase;
      upsertSearchAttributes(workflowExecutionSearchAttributes(this.attributes(searchPhase)));
    }
    return status;
  }

  /** Shows `next` and writes it to the WFE through the sync activity. */
  publish(next: WorkflowExecutionStatus): Promise<WriteOutcome> {
    const status = this.show(next);
    if (!this.options.sync) throw new Error('this StatusPublisher was made without a sync activity');
    return this.options.sync({ ref: this.options.ref, status });
  }
}
