/**
 * Seeds action history through the real Data Storage API: one finished single-step WorkflowExecution per
 * outcome, as the WorkflowExecution workflow would have recorded it.
 */
import crypto from 'node:crypto';
import type { DataStorage } from '../../../src/datastorage/repository';
import type { FinishedActionRecord } from '../../../src/datastorage/records';

export interface SeededAction {
  status: 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  /** How long before now the WorkflowExecution started. */
  ageMs: number;
  remediationId?: string;
}

export async function seedActionHistory(
  dataStorage: DataStorage,
  opts: { target: string; actionType: string; actions: SeededAction[] },
): Promise<void> {
  const now = Date.now();
  const namespace = opts.target.split('/')[0];
  const rows: FinishedActionRecord[] = opts.actions.map((a, i) => {
    const startedAt = new Date(now - a.ageMs);
    const remediationName = `seed-${i}-${crypto.randomBytes(3).toString('hex')}`;
    return {
      wfeUid: crypto.randomUUID(),
      wfeNamespace: namespace,
      wfeName: `wfe-${remediationName}`,
      remediationId: a.remediationId ?? `${namespace}/${remediationName}`,
      remediationNamespace: namespace,
      remediationName,
      temporalWorkflowId: `wfe/${namespace}/wfe-${remediationName}/x`,
      temporalRunId: crypto.randomUUID(),
      stepName: 'step-1',
      actionType: opts.actionType,
      image: 'registry.example/kubectl@sha256:' + '0'.repeat(64),
      inputs: {},
      target: opts.target,
      executionStartedAt: startedAt.toISOString(),
      startedAt: startedAt.toISOString(),
      completedAt: new Date(startedAt.getTime() + 1000).toISOString(),
      status: a.status,
    };
  });
  await dataStorage.completeActions(rows);
}
