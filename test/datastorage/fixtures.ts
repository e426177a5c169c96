/** Builders for action records and outcomes, so each test states only what it is about. */
import crypto from 'node:crypto';
import type { ActionOutcome } from '../../src/domain/action-outcomes';
import type { ExecutingActionRecord, FinishedActionRecord } from '../../src/datastorage/records';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A fixed "now" for a test file, in whole seconds (so every time below is exactly representable). */
export function fixedNow(): number {
  return Math.floor(Date.now() / 1000) * 1000;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface WfeSpec {
  uid?: string;
  name?: string;
  namespace?: string;
  remediationId?: string;
  target?: string;
  executionStartedAt: string;
  steps: { name: string; actionType: string; inputs?: Record<string, unknown> }[];
}

/** The executing records of one WorkflowExecution's steps. */
export function wfeRecords(spec: WfeSpec): ExecutingActionRecord[] {
  const uid = spec.uid ?? crypto.randomUUID();
  const namespace = spec.namespace ?? 'prod';
  const name = spec.name ?? `wfe-${uid.slice(0, 8)}`;
  const remediationId = spec.remediationId ?? `${namespace}/rr-${uid.slice(0, 8)}`;
  const [remediationNamespace, remediationName] = remediationId.split('/');
  return spec.steps.map((step) => ({
    wfeUid: uid,
    wfeNamespace: namespace,
    wfeName: name,
    remediationId,
    remediationNamespace: remediationNamespace!,
    remediationName: remediationName!,
    temporalWorkflowId: `wfe/${namespace}/${name}/${uid}`,
    temporalRunId: crypto.randomUUID(),
    stepName: step.name,
    actionType: step.actionType,
    image: 'ghcr.io/kubernaut/actions/kubectl@sha256:' + 'a'.repeat(64),
    inputs: step.inputs ?? { namespace, replicas: 3 },
    target: spec.target ?? `${namespace}/Deployment/web`,
    executionStartedAt: spec.executionStartedAt,
  }));
}

/** The outcome of a recorded step. */
export function outcome(
  record: ExecutingActionRecord,
  status: ActionOutcome,
  extra: Partial<FinishedActionRecord> = {},
): FinishedActionRecord {
  const started = Date.parse(String(record.executionStartedAt)) + 1000;
  return {
    ...record,
    status,
    startedAt: iso(started),
    completedAt: iso(started + 4000),
    ...(status === 'failed' ? { failureReason: 'TaskFailed', failureMessage: 'exit status 2', exitCode: 2 } : {}),
    ...extra,
  };
}
