/**
 * The watcher's part for RemediationRequests: report one that reached a terminal phase to the
 * effectiveness monitor (remediation-decisions.ts decides, actions.ts signals), once per phase per
 * process; the monitor deduplicates across processes.
 */
import {
  REMEDIATION_DECISION_REASONS,
  decideRemediationRequest,
  type RemediationDecision,
} from './remediation-decisions';
import type { HandlerDependencies, ResourceHandler, WorkItem } from './work-item';

export class RemediationRequestHandler implements ResourceHandler {
  /** The terminal phase this process reported, by RemediationRequest. */
  private readonly signalledPhase = new Map<string, string>();
  /** RemediationRequests already warned about (once each, not at every relist). */
  private readonly warnedNoTarget = new Set<string>();

  constructor(private readonly d: HandlerDependencies) {}

  needsNothing(item: WorkItem): boolean {
    return this.decision(item).action === 'ignore';
  }

  async process(item: WorkItem): Promise<void> {
    const { actions, metrics, log } = this.d;
    const rr = item.object;
    const uid = rr.metadata.uid ?? `${rr.metadata.namespace}/${rr.metadata.name}`;
    const decision = this.decision(item);
    if (decision.action === 'ignore') return;
    metrics.decisions.inc({ resource: 'remediationrequests', action: decision.action, reason: decision.reason });
    const monitor = await actions.signal(decision.signal);
    this.signalledPhase.set(uid, decision.signal.phase);
    metrics.remediationSignals.inc({ phase: decision.signal.phase });
    log.info(
      { remediation: decision.signal.remediation.id, phase: decision.signal.phase, monitor: monitor.workflowId },
      'remediation reported to the effectiveness monitor',
    );
  }

  /** The decision on a RemediationRequest; an "ignore" is recorded (and its memory cleaned) here. */
  private decision(item: WorkItem): RemediationDecision {
    const { metrics, log } = this.d;
    const rr = item.object;
    const uid = rr.metadata.uid ?? `${rr.metadata.namespace}/${rr.metadata.name}`;
    if (item.deleted) {
      this.signalledPhase.delete(uid);
      this.warnedNoTarget.delete(uid);
      return { action: 'ignore', reason: 'deleted' };
    }
    const decision = decideRemediationRequest(rr, { signalledPhase: this.signalledPhase.get(uid), now: new Date() });
    if (decision.action === 'signal') return decision;
    metrics.decisions.inc({ resource: 'remediationrequests', action: decision.action, reason: decision.reason });
    if (decision.reason === 'signalledHere') metrics.duplicatesSuppressed.inc({ resource: 'remediationrequests' });
    if (decision.reason === 'noTarget' && !this.warnedNoTarget.has(uid)) {
      this.warnedNoTarget.add(uid);
      log.warn(
        { rr: `${rr.metadata.namespace}/${rr.metadata.name}`, reason: REMEDIATION_DECISION_REASONS.noTarget },
        'terminal RemediationRequest not reported',
      );
    }
    return decision;
  }
}
