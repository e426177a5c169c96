/**
 * Typed keys of the project's custom search attributes (names in src/domain/names.ts), and the values a
 * WorkflowExecution run carries, so operators can find runs in the Web UI, e.g.
 * `KubernautNamespace = "prod" AND KubernautPhase = "Failed"`. Workflow-safe (no I/O): the workflows
 * upsert them, the client sets them at start, and src/temporal-client/search-attribute-registration.ts
 * registers them on a namespace.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../domain/names';

/** The SDK's type of each attribute type named in SEARCH_ATTRIBUTES (the dev server's flag spelling). */
export const SEARCH_ATTRIBUTE_TYPES = {
  Keyword: SearchAttributeType.KEYWORD,
  KeywordList: SearchAttributeType.KEYWORD_LIST,
} as const;

export const SEARCH_ATTRIBUTE_KEYS = {
  workflowExecution: defineSearchAttributeKey(SEARCH_ATTRIBUTES.workflowExecution.name, SearchAttributeType.KEYWORD),
  namespace: defineSearchAttributeKey(SEARCH_ATTRIBUTES.namespace.name, SearchAttributeType.KEYWORD),
  remediation: defineSearchAttributeKey(SEARCH_ATTRIBUTES.remediation.name, SearchAttributeType.KEYWORD),
  target: defineSearchAttributeKey(SEARCH_ATTRIBUTES.target.name, SearchAttributeType.KEYWORD),
  actionTypes: defineSearchAttributeKey(SEARCH_ATTRIBUTES.actionTypes.name, SearchAttributeType.KEYWORD_LIST),
  phase: defineSearchAttributeKey(SEARCH_ATTRIBUTES.phase.name, SearchAttributeType.KEYWORD),
};

export interface WorkflowExecutionAttributes {
  namespace: string;
  name: string;
  remediation?: string;
  target?: string;
  actionTypes?: string[];
  phase: string;
}

export function workflowExecutionSearchAttributes(a: WorkflowExecutionAttributes): SearchAttributePair[] {
  const k = SEARCH_ATTRIBUTE_KEYS;
  const pairs: SearchAttributePair[] = [
    { key: k.workflowExecution, value: `${a.namespace}/${a.name}` },
    { key: k.namespace, value: a.namespace },
    { key: k.phase, value: a.phase },
  ];
  if (a.remediation) pairs.push({ key: k.remediation, value: a.remediation });
  if (a.target) pairs.push({ key: k.target, value: a.target });
  if (a.actionTypes?.length) pairs.push({ key: k.actionTypes, value: [...new Set(a.actionTypes)] });
  return pairs;
}
