/**
 * CPU time per process over a phase, per WorkflowExecution: what one execution costs each part of the system
 * (the worker, Temporal, the control plane, Tekton or the simulator in the bench process). On two shared cores
 * this explains latencies better than wall-clock numbers alone: a rate whose total CPU per second exceeds
 * the cores available queues up, whatever the code does.
 */
import { cpuTimeMs, treeCpuTimeMs } from '../../src/stack/process-usage';

/**
 * The processes measured, by name: a pid (that process alone), or `{ tree: pid }` for a server whose work is
 * done by processes it forks (PostgreSQL's backends): the whole tree, including descendants that exited.
 */
export type ProcessIds = Record<string, number | { tree: number } | undefined>;
export type CpuSnapshot = Record<string, number>;

export function cpuSnapshot(pids: ProcessIds): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  for (const [name, pid] of Object.entries(pids)) {
    const ms = pid === undefined ? undefined : typeof pid === 'number' ? cpuTimeMs(pid) : treeCpuTimeMs(pid.tree);
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
