/** Tells the Effectiveness Monitor that a remediation reached a terminal phase (signalWithStart). */
import type { Client } from '@temporalio/client';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import {
  signalRemediationTerminal,
  type SignalRemediationTerminalOptions,
} from '../temporal-client/effectiveness-signal';

export function createRemediationSignalActivities(deps: {
  temporalClient: Client;
  signalOptions?: SignalRemediationTerminalOptions;
  /** Stabilization window for remediations this worker reports (KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS). */
  stabilizationWindowMs?: number;
}) {
  return {
    async signalEffectivenessMonitor(signal: RemediationTerminal): Promise<string> {
      const withWindow =
        deps.stabilizationWindowMs !== undefined && signal.stabilizationWindowMs === undefined
          ? { ...signal, stabilizationWindowMs: deps.stabilizationWindowMs }
          : signal;
      const { workflowId } = await signalRemediationTerminal(deps.temporalClient, withWindow, deps.signalOptions);
      return workflowId;
    },
  };
}

export type RemediationSignalActivities = ReturnType<typeof createRemediationSignalActivities>;
