/**
 * What the Temporal Web UI shows for effectiveness workflows: static summary/details set when an
 * assessment starts, and the current details once it is scored. Temporal Markdown, one line for summaries.
 */
import { RemediationTerminal } from './remediation-terminal';
import { EffectivenessAssessment } from './scoring';

export function remediationName(r: RemediationTerminal): string {
  return `${r.remediation.namespace}/${r.remediation.name}`;
}

export function assessmentStaticSummary(r: RemediationTerminal): string {
  return `Assess ${remediationName(r)} (${r.phase}) on ${r.target}`;
}

/**
 * `startedBy`: the monitor that started the assessment with a start delay of the window (no parent link in the
 * Web UI then: it is not a child); absent for a child of the monitor, which the UI links to its parent.
 */
export function assessmentStaticDetails(
  r: RemediationTerminal,
  stabilizationWindowMs: number,
  startedBy?: string,
): string {
  const wfe = r.workflowExecution
    ? `${r.workflowExecution.namespace}/${r.workflowExecution.name} (uid ${r.workflowExecution.uid})`
    : 'none';
  return [
    `**Remediation** ${remediationName(r)} (id \`${r.remediation.id}\`) ended **${r.phase}** at ${r.endedAt}`,
    `**Target** \`${r.target}\``,
    `**Action types** ${r.actionTypes.length ? r.actionTypes.map((t) => `\`${t}\``).join(', ') : 'read from the action records'}`,
    `**WorkflowExecution** ${wfe}`,
    startedBy === undefined
      ? `**Stabilization window** ${stabilizationWindowMs} ms`
      : `**Stabilization window** ${stabilizationWindowMs} ms, waited by Temporal before the first workflow task (start delay)`,
    ...(startedBy === undefined ? [] : [`**Started by** \`${startedBy}\``]),
  ].join('\n\n');
}

/** Remediation, score, status, confidence, trend (and why it is a loop, when it is); or that nothing ran. */
export function describeAssessment(a: EffectivenessAssessment, who: string, created: boolean): string {
  const loop = a.recurrence.length
    ? ` (recurring: ${a.recurrence.map((f) => `${f.actionType} ×${f.remediations} in 24h`).join(', ')})`
    : '';
  const kept = created ? '' : ' — already assessed earlier, kept the first assessment';
  if (a.score === null) {
    return `**${who}** on \`${a.target}\`: status **${a.status}**: it executed no action, so there is nothing to score${kept}`;
  }
  return (
    `**${who}** on \`${a.target}\`: score **${a.score.toFixed(2)}**, status **${a.status}**${loop}, ` +
    `confidence ${a.confidence.toFixed(2)}, trend ${a.trend}, ${a.sampleSize} finished actions${kept}`
  );
}
