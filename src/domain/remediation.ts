/**
 * The remediation a WorkflowExecution belongs to, as one correlation key shared by action records, the
 * remediationTerminal signal and the assessment: `<namespace>/<name>` of the RemediationRequest. Both
 * producers of the signal (the WFE workflow and the watcher) derive it the same way, so the monitor's
 * dedupe sees one remediation, whether or not the reference carries a uid.
 */
export interface RemediationKey {
  id: string;
  namespace: string;
  name: string;
}

export function remediationOf(
  ref: { name: string; namespace?: string },
  workflowExecutionNamespace: string,
): RemediationKey {
  const namespace = ref.namespace ?? workflowExecutionNamespace;
  return { id: `${namespace}/${ref.name}`, namespace, name: ref.name };
}
