/**
 * How a finished remediation reaches the effectiveness monitors: `signalWithStart` on the monitor of the
 * target's shard, so the monitor is started on first use and a signal is never lost to a monitor that
 * does not exist yet. Used by the WorkflowExecution workflow's activity, the watcher and the bench.
 *
 * The payload is validated here, before it leaves the process: a malformed signal is the sender's bug,
 * and the monitor would only log and drop it.
 *
 * The stabilization window travels on every signal, never only on the input of the monitor a call happens
 * to start: that input is ignored once the monitor runs, so a window given there applied to some
 * remediations and not to others depending on which process started the monitor first (issue #16). One
 * option, set by every sender from KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS, decides it.
 */
import { Client, WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import {
  REMEDIATION_TERMINAL_SIGNAL,
  TASK_QUEUE,
  WORKFLOW_TYPES,
  effectivenessMonitorWorkflowId,
} from '../domain/names';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { parseRemediationTerminal } from '../domain/effectiveness/remediation-terminal-schema';
import { EffectivenessMonitorInput, MONITOR_DEFAULTS } from '../domain/effectiveness/monitor-state';
import { effectivenessShardCount, effectivenessShardFor } from '../domain/effectiveness/sharding';
import type { effectivenessMonitorWorkflow } from '../workflows/effectiveness-monitor';

export interface SignalRemediationTerminalOptions {
  /** Number of monitor shards; default `KUBERNAUT_EFFECTIVENESS_SHARDS` (4). Every sender must agree. */
  shards?: number;
  /** Task queue the monitor runs on when this call starts it; default the execution task queue. */
  taskQueue?: string;
  /**
   * Stabilization window of the remediation, put on the signal unless the signal names its own; default
   * the monitor's (5 minutes). Every sender must use the same: the monitor counts disagreements.
   */
  stabilizationWindowMs?: number;
  /** Tuning input of the monitor when this call starts it (ignored when it already runs). */
  monitor?: Omit<EffectivenessMonitorInput, 'stabilizationWindowMs' | 'shard' | 'carried'>;
}

export interface SignalledMonitor {
  workflowId: string;
  shard: number;
  /** The run that received the signal. */
  runId: string;
}

export async function signalRemediationTerminal(
  client: Client,
  signal: RemediationTerminal,
  opts: SignalRemediationTerminalOptions = {},
): Promise<SignalledMonitor> {
  const payload = parseRemediationTerminal({
    ...signal,
    stabilizationWindowMs:
      signal.stabilizationWindowMs ?? opts.stabilizationWindowMs ?? MONITOR_DEFAULTS.stabilizationWindowMs,
  });
  const shards = opts.shards ?? effectivenessShardCount();
  const shard = effectivenessShardFor(payload.target, shards);
  const workflowId = effectivenessMonitorWorkflowId(shard);
  const handle: WorkflowHandleWithSignaledRunId = await client.workflow.signalWithStart<
    typeof effectivenessMonitorWorkflow,
    [RemediationTerminal]
  >(WORKFLOW_TYPES.effectivenessMonitor, {
    workflowId,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    signal: REMEDIATION_TERMINAL_SIGNAL,
    signalArgs: [payload],
    args: [{ ...opts.monitor, shard }],
    staticSummary: `Effectiveness monitor, shard ${shard} of ${shards}`,
  });
  return { workflowId, shard, runId: handle.signaledRunId };
}
