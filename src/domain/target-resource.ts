/**
 * `targetResource` strings: `namespace/Kind/name` for namespaced resources, `Kind/name` for
 * cluster-scoped ones (DESIGN.md §2). The one home of the format, so the CRD pattern, validation, labels,
 * search attributes and the effectiveness signal agree on what a target is.
 *
 * Two levels of the same rule: the *shape* (two or three non-empty segments without whitespace) is what
 * every target must have to be read back unambiguously; `parseTargetResource` adds the Kubernetes naming
 * rules on top. A WorkflowExecution's target must pass both (its CRD enforces TARGET_RESOURCE_PATTERN). A
 * target named by a RemediationRequest only needs the shape: its CRD asks for a non-empty kind and name,
 * nothing more, and the effectiveness of such a remediation must still be assessed.
 */
import { DNS1123_LABEL_PATTERN, isDns1123Label, isDns1123Subdomain } from './kubernetes-names';

export interface TargetResource {
  namespace?: string;
  kind: string;
  name: string;
}

const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;

/** The same rule as an OpenAPI pattern, for the CRD (kept next to the parser so they cannot drift). */
export const TARGET_RESOURCE_PATTERN = `^(${DNS1123_LABEL_PATTERN.slice(1, -1)}/)?[A-Z][A-Za-z0-9]{0,62}/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`;

export const TARGET_RESOURCE_RULE =
  "'namespace/Kind/name' (namespaced) or 'Kind/name' (cluster-scoped), e.g. 'demo/Deployment/payment-api' or 'Node/worker-1'";

/** One segment of a target: non-empty, no whitespace, no '/'. */
export function isTargetSegment(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !/[\s/]/.test(value);
}

/** The shape of every target, as a pattern: `[namespace/]Kind/name` with segments as isTargetSegment says. */
export const TARGET_RESOURCE_SHAPE = /^(?:[^/\s]+\/)?[^/\s]+\/[^/\s]+$/;

export function hasTargetResourceShape(text: unknown): text is string {
  return typeof text === 'string' && TARGET_RESOURCE_SHAPE.test(text);
}

export type TargetResourceResult = { ok: true; value: TargetResource } | { ok: false; message: string };

export function parseTargetResource(text: string): TargetResourceResult {
  const parts = text.split('/');
  if (parts.length !== 2 && parts.length !== 3) {
    return { ok: false, message: `"${text}" must be ${TARGET_RESOURCE_RULE}` };
  }
  const [namespace, kind, name] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
  if (namespace !== undefined && !isDns1123Label(namespace)) {
    return {
      ok: false,
      message: `namespace "${namespace}" in "${text}" must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters); the format is ${TARGET_RESOURCE_RULE}`,
    };
  }
  if (!KIND.test(kind)) {
    return {
      ok: false,
      message: `kind "${kind}" in "${text}" must be a Kubernetes Kind: letters and digits starting with an upper-case letter (e.g. Deployment); the format is ${TARGET_RESOURCE_RULE}`,
    };
  }
  if (!isDns1123Subdomain(name)) {
    return {
      ok: false,
      message: `name "${name}" in "${text}" must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters); the format is ${TARGET_RESOURCE_RULE}`,
    };
  }
  return { ok: true, value: namespace === undefined ? { kind, name } : { namespace, kind, name } };
}

export function formatTargetResource(target: TargetResource): string {
  return target.namespace ? `${target.namespace}/${target.kind}/${target.name}` : `${target.kind}/${target.name}`;
}
