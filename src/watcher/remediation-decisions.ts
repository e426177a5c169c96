/**
 * When a RemediationRequest becomes a `remediationTerminal` signal — pure, table-tested.
 *
 * A remediation can end without its WorkflowExecution finishing (the orchestrator timed it out, cancelled
 * it, or skipped it before any WFE existed); the watcher reports those from the RemediationRequest's
 * `status.overallPhase`. The remediation id is `<namespace>/<name>` of the RemediationRequest, as for every
 * producer (src/domain/remediation.ts), so the monitor's dedupe and the assessment's workflow id make a
 * remediation reported by both its WFE and its RemediationRequest assessed once.
 *
 * The action types are left empty: the RemediationRequest does not carry them, and the assessment reads
 * them from the remediation's action records.
 */
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { remediationOf } from '../domain/remediation';
import { isTerminalRemediationPhase, type RemediationTarget } from '../domain/remediation-request';
import { formatTargetResource, isTargetSegment } from '../domain/target-resource';
import type { KubernetesObject } from '../kubernetes/resources';

export const REMEDIATION_DECISION_REASONS = {
  notTerminal: 'status.overallPhase is not terminal',
  signalledHere: 'this watcher already reported this terminal phase',
  noTarget: 'spec.targetResource lacks kind or name: no target to assess',
  incomplete: 'no namespace: not an object read from the API server',
  deleted: 'the RemediationRequest was deleted: nothing to report',
  terminal: 'status.overallPhase is terminal',
} as const;
export type RemediationDecisionReason = keyof typeof REMEDIATION_DECISION_REASONS;

export type RemediationDecision =
  | { action: 'signal'; reason: 'terminal'; signal: RemediationTerminal }
  | { action: 'ignore'; reason: Exclude<RemediationDecisionReason, 'terminal'> };

/** The target, when its parts can be written as a target string (src/domain/target-resource.ts). */
function readTarget(rr: KubernetesObject): RemediationTarget | undefined {
  const t = (rr.spec as { targetResource?: Record<string, unknown> } | undefined)?.targetResource;
  if (!t || !isTargetSegment(t.kind) || !isTargetSegment(t.name)) return undefined;
  return { kind: t.kind, name: t.name, ...(isTargetSegment(t.namespace) && { namespace: t.namespace }) };
}

/** When the remediation ended: the orchestrator's completion time when it wrote a valid one, else `now`. */
function endedAt(rr: KubernetesObject, now: Date): string {
  const written = (rr.status as { completedAt?: unknown; completionTime?: unknown } | undefined) ?? {};
  for (const candidate of [written.completedAt, written.completionTime]) {
    if (
      typeof candidate === 'string' &&
      !Number.isNaN(Date.parse(candidate)) &&
      /T.*(Z|[+-]\d\d:\d\d)$/.test(candidate)
    )
      return candidate;
  }
  return now.toISOString();
}

export function decideRemediationRequest(
  rr: KubernetesObject,
  context: { signalledPhase?: string; now: Date },
): RemediationDecision {
  const { namespace, name } = rr.metadata;
  if (!namespace) return { action: 'ignore', reason: 'incomplete' };
  const phase = (rr.status as { overallPhase?: string } | undefined)?.overallPhase;
  if (!isTerminalRemediationPhase(phase)) return { action: 'ignore', reason: 'notTerminal' };
  if (context.signalledPhase === phase) return { action: 'ignore', reason: 'signalledHere' };
  const target = readTarget(rr);
  if (!target) return { action: 'ignore', reason: 'noTarget' };
  return {
    action: 'signal',
    reason: 'terminal',
    signal: {
      remediation: remediationOf({ name, namespace }, namespace),
      phase,
      target: formatTargetResource(target),
      actionTypes: [],
      endedAt: endedAt(rr, context.now),
    },
  };
}
