/**
 * The watcher's part for WorkflowExecutions: decide (decisions.ts), act (actions.ts: start, inspect,
 * cancel, release the finalizer), and count and log what it did.
 *
 * It remembers which uids it started or asked to cancel, only to save Temporal calls: a restarted
 * watcher or another replica reaches the same decisions from the resources alone (`status.temporal`,
 * terminal phases). Memory stays bounded by what is in flight: a uid is forgotten once nothing more can
 * happen to it.
 */
import type { KubernetesObject } from '../kubernetes/resources';
import type { StartWorkflowExecutionResult } from '../temporal-client/start-workflow-execution';
import {
  DECISION_REASONS,
  DUPLICATE_REASONS,
  decideWorkflowExecution,
  workflowIdOf,
  type DecisionContext,
  type WorkflowExecutionDecision,
} from './decisions';
import type { HandlerDependencies, ResourceHandler, WorkItem } from './work-item';

export interface WorkflowExecutionHandlerOptions {
  /**
   * How long after a start the watcher waits for the workflow's own first status write (which names the
   * workflow) before it writes `status.temporal` itself; 0: at once, in the same work item.
   */
  startedStatusDelayMs: number;
  /** The latest state the watcher has seen of a WFE (its informer's cache), or undefined once it is gone. */
  latest(wfe: KubernetesObject): KubernetesObject | undefined;
}

export class WorkflowExecutionHandler implements ResourceHandler {
  private readonly startedHere = new Set<string>();
  private readonly cancelRequestedHere = new Set<string>();
  /** The deferred `status.temporal` writes, by uid. */
  private readonly startedStatusTimers = new Map<string, NodeJS.Timeout>();
  /** The watcher stopped: nothing more is scheduled (items finishing during the shutdown grace included). */
  private stopped = false;

  constructor(
    private readonly d: HandlerDependencies,
    private readonly o: WorkflowExecutionHandlerOptions,
  ) {}

  needsNothing(item: WorkItem): boolean {
    const decision = decideWorkflowExecution(item.object, this.contextFor(item));
    if (decision.action !== 'ignore') return false;
    this.record(item.object, decision);
    this.settle(item, decision);
    return true;
  }

  async process(item: WorkItem): Promise<void> {
    const { actions, metrics, log } = this.d;
    const wfe = item.object;
    const uid = wfe.metadata.uid ?? '';
    const context = this.contextFor(item);
    let decision = this.decide(wfe, context);
    const fields = () => ({
      wfe: `${wfe.metadata.namespace}/${wfe.metadata.name}`,
      uid,
      workflowId: workflowIdOf(wfe),
      reason: DECISION_REASONS[decision.reason],
    });

    if (decision.action === 'start') {
      const started = await actions.start(wfe);
      this.startedHere.add(uid);
      metrics.starts.inc({ outcome: started.outcome });
      if (started.outcome === 'running') {
        const created = Date.parse(wfe.metadata.creationTimestamp ?? '');
        if (!Number.isNaN(created)) metrics.startLag.observe(Math.max(0, Date.now() - created) / 1000);
        metrics.eventToStart.observe((Date.now() - item.firstSeenAt) / 1000);
        log.info({ ...fields(), runId: started.runId }, 'workflow started');
        // Without a delay, after the log: if this write fails the item is retried, and then ignored (startedHere).
        if (this.o.startedStatusDelayMs === 0) await this.recordStarted(wfe, started);
        else this.recordStartedLater(wfe, started);
      } else {
        log.info(fields(), 'workflow already finished: not re-run');
      }
      return;
    }

    if (decision.action === 'inspect-workflow') {
      const state = await actions.inspect(wfe);
      decision = this.decide(wfe, { ...context, workflowGone: state === 'gone', workflowRunning: state === 'running' });
    }
    if (decision.action === 'cancel') {
      const outcome = await actions.cancel(wfe);
      metrics.cancels.inc({ outcome });
      log.info({ ...fields(), outcome }, 'workflow cancellation requested');
      if (outcome === 'requested' && !item.deleted) this.cancelRequestedHere.add(uid);
    }
    if (decision.action === 'release-finalizer') {
      const outcome = await actions.releaseFinalizer(wfe);
      if (outcome === 'written') metrics.finalizersReleased.inc();
      log.info({ ...fields(), outcome }, 'finalizer released: no workflow left to release it');
      return this.forget(uid);
    }
    this.settle(item, decision);
  }

  /** Drops the deferred `status.temporal` writes (the watcher stops). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.startedStatusTimers.values()) clearTimeout(timer);
    this.startedStatusTimers.clear();
  }

  private async recordStarted(wfe: KubernetesObject, started: StartWorkflowExecutionResult): Promise<void> {
    try {
      this.d.metrics.startedStatus.inc({ outcome: await this.d.actions.recordStarted(wfe, started) });
    } catch (err) {
      this.d.metrics.startedStatus.inc({ outcome: 'failed' });
      throw err;
    }
  }

  /**
   * Writes `status.temporal` once the delay has passed, unless the workflow's first status write (which
   * names the workflow) came first — the usual case, a few tens of milliseconds after the start: one WFE
   * write fewer, and one event fewer for every watch on WFEs. When the workflow cannot write soon (no worker,
   * a backlog), the WFE still names its workflow after the delay. Best effort, as before: a failed write is
   * logged and counted (`failed`), not retried; the workflow writes the reference with its first status.
   * With tracing on, the write's span is a child of the start's work-item span, made after that span ended.
   */
  private recordStartedLater(wfe: KubernetesObject, started: StartWorkflowExecutionResult): void {
    if (this.stopped) return; // a start that finished during the shutdown grace: the next watcher relists
    const uid = wfe.metadata.uid ?? '';
    clearTimeout(this.startedStatusTimers.get(uid));
    const timer = setTimeout(() => {
      this.startedStatusTimers.delete(uid);
      if (this.stopped) return;
      const latest = this.o.latest(wfe);
      if (!latest) return this.d.metrics.startedStatus.inc({ outcome: 'gone' });
      this.recordStarted(latest, started).catch((err: unknown) =>
        this.d.log.warn(
          { wfe: `${wfe.metadata.namespace}/${wfe.metadata.name}`, uid, err: String(err) },
          'status.temporal not written: the workflow writes it with its first status',
        ),
      );
    }, this.o.startedStatusDelayMs);
    timer.unref();
    this.startedStatusTimers.set(uid, timer);
  }

  private contextFor(item: WorkItem): DecisionContext {
    const uid = item.object.metadata.uid ?? '';
    return {
      deleted: item.deleted,
      startedHere: this.startedHere.has(uid),
      cancelRequestedHere: !item.fromRelist && this.cancelRequestedHere.has(uid),
    };
  }

  /** Nothing more to do for this uid: forget it, so memory stays bounded by what is in flight. */
  private settle(item: WorkItem, decision: WorkflowExecutionDecision): void {
    const uid = item.object.metadata.uid ?? '';
    if (decision.reason === 'terminal' || decision.reason === 'deletedTerminal' || item.deleted) this.forget(uid);
    if (decision.reason === 'reportedByWorkflow') this.startedHere.delete(uid);
  }

  private decide(wfe: KubernetesObject, context: DecisionContext): WorkflowExecutionDecision {
    const decision = decideWorkflowExecution(wfe, context);
    this.record(wfe, decision);
    return decision;
  }

  private record(wfe: KubernetesObject, decision: WorkflowExecutionDecision): void {
    this.d.metrics.decisions.inc({ resource: 'workflowexecutions', action: decision.action, reason: decision.reason });
    if (DUPLICATE_REASONS.includes(decision.reason)) {
      this.d.metrics.duplicatesSuppressed.inc({ resource: 'workflowexecutions' });
    }
    this.d.log.debug(
      { wfe: `${wfe.metadata.namespace}/${wfe.metadata.name}`, action: decision.action, reason: decision.reason },
      'decided',
    );
  }

  private forget(uid: string): void {
    this.startedHere.delete(uid);
    this.cancelRequestedHere.delete(uid);
  }
}
