/** Tells the Effectiveness Monitor that a remediation reached a terminal phase (signalWithStart). */
import type { Client } from '@temporalio/client';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import {
  signalRemediationTerminal,
  type SignalRemediationTerminalOptions,
} from '../temporal-client/effectiveness-signal';

export function createRemediationSignalActivities(deps: {
  temporalClient: Client;
  /** Shards, task queue and the stabilization window (KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS) of this worker. */
  signalOptions?: SignalRemediationTerminalOptions;
}) {
  return {
    async signalEffectivenessMonitor(signal: RemediationTerminal): Promise<string> {
      const { workflowId } = await signalRemediationTerminal(deps.temporalClient, signal, deps.signalOptions);
      return workflowId;
    },
  };
}

export type RemediationSignalActivities = ReturnType<typeof createRemediationSignalActivities>;
