/**
 * What the bench sees happen, and when: one watch on PipelineRuns and one on WorkflowExecutions in the
 * bench's namespace (the project's Informer: list+watch), each event stamped with its arrival time in the
 * bench process. Arrival times are used because `metadata.creationTimestamp` has whole-second resolution;
 * both ends of each latency are stamped the same way, so the watch delivery delay mostly cancels out.
 *
 * Per WorkflowExecution (keyed by uid; a PipelineRun names its WFE in its owner reference):
 * - pipelineRunCreatedAt: arrival of the PipelineRun's first event;
 * - pipelineRunFinishedAt: arrival of the first event whose `Succeeded` condition is True or False;
 * - pipelineRunFinishedConditionAt: that condition's lastTransitionTime (the simulator writes milliseconds, Tekton whole seconds);
 * - terminalAt: arrival of the first WFE event whose status.phase is Completed or Failed;
 * - settledAt: arrival of the first terminal WFE event without the execution finalizer (the workflow's
 *   last Kubernetes write: after it the worker makes no more requests for this WFE);
 * - updates: how many times the WFE was updated (one per status change the workflow observed and wrote,
 *   plus adding and removing its finalizer).
 */
import type * as k8s from '@kubernetes/client-node';
import { EXECUTION_FINALIZER } from '../../src/domain/names';
import { Informer } from '../../src/kubernetes/informer';
import { PIPELINE_RUNS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';

export interface ExecutionTimeline {
  pipelineRunCreatedAt?: number;
  pipelineRunFinishedAt?: number;
  pipelineRunFinishedConditionAt?: number;
  terminalAt?: number;
  terminalPhase?: string;
  settledAt?: number;
  /** Updates of the WFE seen (MODIFIED events): the worker's status writes and finalizer changes. */
  updates?: number;
}

interface Condition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

export class ExecutionObserver {
  readonly timelines = new Map<string, ExecutionTimeline>();
  private readonly informers: Informer[];
  private readonly waiters = new Set<() => void>();

  constructor(kubeConfig: k8s.KubeConfig, namespace: string) {
    // Long resync: the bench's own watches should not add load; a missed event would show as a missing sample.
    const options = { kubeConfig, namespace, resyncIntervalMs: 10 * 60_000, watchSilenceMs: 60_000 };
    const pipelineRuns = new Informer({ ...options, resource: PIPELINE_RUNS });
    const workflowExecutions = new Informer({ ...options, resource: WORKFLOW_EXECUTIONS });
    pipelineRuns.on((type, pr) => type !== 'DELETED' && this.onPipelineRun(pr, Date.now()));
    workflowExecutions.on((type, wfe) => {
      if (type === 'MODIFIED' && wfe.metadata.uid) {
        const t = this.timeline(wfe.metadata.uid);
        t.updates = (t.updates ?? 0) + 1;
      }
      if (type !== 'DELETED') this.onWorkflowExecution(wfe, Date.now());
    });
    this.informers = [pipelineRuns, workflowExecutions];
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  stop(): void {
    for (const i of this.informers) i.stop();
    for (const w of this.waiters) w();
  }

  timeline(uid: string): ExecutionTimeline {
    let t = this.timelines.get(uid);
    if (!t) this.timelines.set(uid, (t = {}));
    return t;
  }

  /** Resolves when every uid has settled, or at the deadline (the report then counts what is missing). */
  async waitUntilSettled(uids: string[], deadline: number): Promise<void> {
    const settled = () => uids.every((uid) => this.timelines.get(uid)?.settledAt !== undefined);
    while (!settled() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, 1_000);
        this.waiters.add(done);
      });
    }
  }

  private onPipelineRun(pr: KubernetesObject, now: number): void {
    const owner = pr.metadata.ownerReferences?.find((o) => o.kind === 'WorkflowExecution')?.uid;
    if (!owner) return;
    const t = this.timeline(owner);
    t.pipelineRunCreatedAt ??= now;
    const succeeded = ((pr.status?.conditions as Condition[] | undefined) ?? []).find((c) => c.type === 'Succeeded');
    if (t.pipelineRunFinishedAt === undefined && (succeeded?.status === 'True' || succeeded?.status === 'False')) {
      t.pipelineRunFinishedAt = now;
      const at = Date.parse(succeeded.lastTransitionTime ?? '');
      if (!Number.isNaN(at)) t.pipelineRunFinishedConditionAt = at;
    }
  }

  private onWorkflowExecution(wfe: KubernetesObject, now: number): void {
    const uid = wfe.metadata.uid;
    const phase = (wfe.status as { phase?: string } | undefined)?.phase;
    if (!uid || (phase !== 'Completed' && phase !== 'Failed')) return;
    const t = this.timeline(uid);
    if (t.terminalAt === undefined) {
      t.terminalAt = now;
      t.terminalPhase = phase;
    }
    if (t.settledAt === undefined && !(wfe.metadata.finalizers ?? []).includes(EXECUTION_FINALIZER)) {
      t.settledAt = now;
      for (const w of [...this.waiters]) w();
    }
  }
}
