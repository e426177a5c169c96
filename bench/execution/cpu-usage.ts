/**
 * CPU time per process over a phase, per WorkflowExecution: what one execution costs each part of the system
 * (the worker, Temporal, the control plane, Tekton or the simulator in the bench process). On two shared cores
 * this explains latencies better than wall-clock numbers alone: a rate whose total CPU per second exceeds
 * the cores available queues up, whatever the code does.
 */
import { cpuTimeMs } from './child-process';

export type ProcessIds = Record<string, number | undefined>;
export type CpuSnapshot = Record<string, number>;

export function cpuSnapshot(pids: ProcessIds): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  for (const [name, pid] of Object.entries(pids)) {
    const ms = pid === undefined ? undefined : cpuTimeMs(pid);
    if (ms !== undefined) snapshot[name] = ms;
  }
  return snapshot;
}

/** Milliseconds of CPU per WFE, per process present in both snapshots. */
export function cpuPerWorkflowExecution(before: CpuSnapshot, after: CpuSnapshot, count: number): CpuSnapshot {
  const perWfe: CpuSnapshot = {};
  for (const name of Object.keys(after)) {
    if (before[name] === undefined) continue;
    perWfe[name] = Math.round(((after[name]! - before[name]!) / Math.max(1, count)) * 10) / 10;
  }
  return perWfe;
}
