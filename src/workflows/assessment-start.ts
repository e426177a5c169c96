/**
 * How an effectiveness assessment is started for a remediation, whoever starts it: its workflow id, derived from
 * the remediation and started with REJECT_DUPLICATE so it runs at most once per remediation (across monitor
 * runs and shards); the Web UI's summary and details; its search attributes. Workflow-safe: the monitor's child
 * start (runs begun before DELAYED_ASSESSMENT_STARTS_PATCH) and the start activity
 * (src/activities/assessment-starts.ts) both use it.
 */
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { effectivenessAssessmentWorkflowId } from '../domain/names';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { assessmentStaticDetails, assessmentStaticSummary } from '../domain/effectiveness/summary';
import { SEARCH_ATTRIBUTE_KEYS } from './search-attributes';

export interface AssessmentStartOptions {
  workflowId: string;
  workflowIdReusePolicy: WorkflowIdReusePolicy;
  staticSummary: string;
  staticDetails: string;
  typedSearchAttributes: SearchAttributePair[];
}

/** `startedBy`: the monitor's workflow id when the assessment is not its child (see assessmentStaticDetails). */
export function assessmentStartOptions(
  r: RemediationTerminal,
  stabilizationWindowMs: number,
  startedBy?: string,
): AssessmentStartOptions {
  return {
    workflowId: effectivenessAssessmentWorkflowId(r.remediation),
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    staticSummary: assessmentStaticSummary(r),
    staticDetails: assessmentStaticDetails(r, stabilizationWindowMs, startedBy),
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTE_KEYS.remediation, value: r.remediation.id },
      { key: SEARCH_ATTRIBUTE_KEYS.target, value: r.target },
      { key: SEARCH_ATTRIBUTE_KEYS.actionTypes, value: [...new Set(r.actionTypes)] },
    ],
  };
}
