/** From what the bench observed to the numbers it reports (pure). */
import { summarize, type LatencySummary } from '../datastorage/latency';
import { cpuPerWorkflowExecution, type CpuSnapshot } from './cpu-usage';
import type { Launched } from './launch';
import type { ExecutionTimeline } from './observer';
import { requestDelta, type RequestCounts } from './request-counter';
import type { TemporalRequests } from './temporal-requests';

export interface PhaseObservations {
  name: string;
  stepDurationMs: number;
  launched: Launched[];
  launchFailures: string[];
  timelines: Map<string, ExecutionTimeline>;
  /** The worker's requests (its private front), before the first launch and after the last WFE settled. */
  workerRequests: { before: RequestCounts; after: RequestCounts };
  simulatorRequests: { before: number; after: number };
  /** CPU time (ms) of each measured process, before the first launch and after the last WFE settled. */
  cpu: { before: CpuSnapshot; after: CpuSnapshot };
  /** Requests to Temporal in the bench's namespace, at the same moments (when the stack's Temporal is used). */
  temporalRequests?: { before: TemporalRequests; after: TemporalRequests };
  workerMemory: { peakSampledRssMb: number; endRssMb?: number; highWaterMarkMb?: number };
}

export interface PhaseReport {
  stepDurationMs: number;
  workflowExecutions: number;
  completed: number;
  failed: number;
  unfinished: number;
  launchFailures: number;
  /** (a) start requested → PipelineRun's first watch event at the bench. */
  startToPipelineRunCreatedMs: LatencySummary;
  /** (b) PipelineRun's finished event at the bench → WFE's terminal event at the bench. */
  pipelineRunFinishedToTerminalMs: LatencySummary;
  /** (b) measured from the Succeeded condition's lastTransitionTime instead (includes Tekton's or the simulator's write). */
  pipelineRunConditionToTerminalMs: LatencySummary;
  /** Completed or failed WFEs per second, first start request → last terminal event. */
  throughputPerSecond: number;
  wallClockSeconds: number;
  apiRequestsPerWorkflowExecution: {
    worker: number;
    workerByVerb: Record<string, number>;
    /**
     * Updates of the WFE (status writes, one per PipelineRun change the workflow observed, and the finalizer)
     * and the rest of the worker's requests: the rest is what must not grow with a WFE's runtime.
     */
    workflowExecutionUpdates: number;
    workerBesidesWorkflowExecutionUpdates: number;
    simulator: number;
  };
  /** CPU time per WFE by process: what one execution costs each part, whatever the machine's load. */
  cpuMsPerWorkflowExecution: CpuSnapshot;
  /** Temporal's frontend calls, persistence requests and billable actions per WFE, by operation (temporal-requests.ts). */
  temporalRequestsPerWorkflowExecution?: {
    frontend: PerOperation;
    persistence: PerOperation;
    actions: PerOperation;
    /** Tasks the server handed out eagerly (the waiting activity's, in a workflow task's completion). */
    eager: PerOperation;
  };
  workerMemory: PhaseObservations['workerMemory'];
}

export interface PerOperation {
  total: number;
  byOperation: Record<string, number>;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function phaseReport(o: PhaseObservations): PhaseReport {
  const a: number[] = [];
  const b: number[] = [];
  const bCondition: number[] = [];
  let completed = 0;
  let failed = 0;
  let lastTerminal = -Infinity;
  let updates = 0;
  for (const l of o.launched) {
    const t = o.timelines.get(l.uid) ?? {};
    updates += t.updates ?? 0;
    if (t.pipelineRunCreatedAt !== undefined) a.push(t.pipelineRunCreatedAt - l.startRequestedAt);
    if (t.terminalAt !== undefined) {
      lastTerminal = Math.max(lastTerminal, t.terminalAt);
      if (t.terminalPhase === 'Completed') completed++;
      else failed++;
      if (t.pipelineRunFinishedAt !== undefined) b.push(t.terminalAt - t.pipelineRunFinishedAt);
      if (t.pipelineRunFinishedConditionAt !== undefined)
        bCondition.push(t.terminalAt - t.pipelineRunFinishedConditionAt);
    }
  }
  const firstStart = Math.min(...o.launched.map((l) => l.startRequestedAt));
  const wallClockSeconds =
    o.launched.length > 0 && lastTerminal > firstStart ? (lastTerminal - firstStart) / 1000 : NaN;
  const n = o.launched.length || 1;
  const worker = requestDelta(o.workerRequests.before, o.workerRequests.after);
  return {
    stepDurationMs: o.stepDurationMs,
    workflowExecutions: o.launched.length,
    completed,
    failed,
    unfinished: o.launched.length - completed - failed,
    launchFailures: o.launchFailures.length,
    startToPipelineRunCreatedMs: summarize(a),
    pipelineRunFinishedToTerminalMs: summarize(b),
    pipelineRunConditionToTerminalMs: summarize(bCondition),
    throughputPerSecond: round((completed + failed) / wallClockSeconds),
    wallClockSeconds: round(wallClockSeconds, 1),
    apiRequestsPerWorkflowExecution: {
      worker: round(worker.total / n),
      workerByVerb: Object.fromEntries(Object.entries(worker.byVerb).map(([verb, count]) => [verb, round(count / n)])),
      workflowExecutionUpdates: round(updates / n),
      workerBesidesWorkflowExecutionUpdates: round((worker.total - updates) / n),
      simulator: round((o.simulatorRequests.after - o.simulatorRequests.before) / n),
    },
    cpuMsPerWorkflowExecution: cpuPerWorkflowExecution(o.cpu.before, o.cpu.after, o.launched.length),
    ...(o.temporalRequests && {
      temporalRequestsPerWorkflowExecution: {
        frontend: perOperation(o.temporalRequests.before.frontend, o.temporalRequests.after.frontend, n),
        persistence: perOperation(o.temporalRequests.before.persistence, o.temporalRequests.after.persistence, n),
        actions: perOperation(o.temporalRequests.before.actions, o.temporalRequests.after.actions, n),
        eager: perOperation(o.temporalRequests.before.eager, o.temporalRequests.after.eager, n),
      },
    }),
    workerMemory: o.workerMemory,
  };
}

/** Requests per WFE between two counts, in total and by operation, most frequent first. */
export function perOperation(before: RequestCounts, after: RequestCounts, n: number): PerOperation {
  const delta = requestDelta(before, after);
  const byOperation = Object.entries(delta.byVerb)
    .sort((a, b) => b[1] - a[1])
    .map(([operation, count]) => [operation, round(count / n)] as const);
  return { total: round(delta.total / n), byOperation: Object.fromEntries(byOperation) };
}
