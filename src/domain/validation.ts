/**
 * Is this WorkflowExecution executable? Schema checks (workflow-execution.ts) plus the rules that span
 * fields: unique step names, a runAfter graph without unknown names, self-references or cycles, input
 * size, image syntax and supply-chain policy, the ServiceAccount policy, timeouts, target format. Every
 * problem is reported at once, each with a JSON path and a message that says what is allowed, because the
 * person reading it is fixing a YAML file. Never throws, whatever the input: the workflow calls it on objects from the API server and
 * the render CLI on anything a user pipes in.
 */
import type { $ZodRawIssue } from 'zod/v4/core';
import { findCycles } from './dag';
import { formatGoDuration, TIMEOUT_PATTERN, tryParseGoDuration } from './duration';
import { utf8Length } from './hash';
import { isDigestPinned, isFromAllowedRegistry, parseImageReference } from './image-reference';
import { parseTargetResource } from './target-resource';
import { formatPath, type ValidationError } from './validation-errors';
import { DEFAULT_EXECUTION_TIMEOUT, describeType, LIMITS, WorkflowExecution } from './workflow-execution';

export { formatPath, formatValidationErrors, type ValidationError } from './validation-errors';
import {
  RemediationRequestRefSchema,
  WorkflowExecutionSchema,
  WorkflowExecutionSpecSchema,
  WorkflowStepSchema,
} from './workflow-execution-schema';

export interface ValidationPolicy {
  /** Reject images that are not pinned by `@sha256:` digest. Default false. */
  requireDigest?: boolean;
  /**
   * Registries (`ghcr.io`) or repository prefixes (`ghcr.io/kubernaut/actions`) images must come from.
   * Undefined or empty: any registry.
   */
  allowedRegistries?: readonly string[];
  /**
   * ServiceAccounts (names, in the WorkflowExecution's namespace) steps may run as. A WFE that names none
   * would run as Tekton's default, the namespace's `default` account: allowed only if `default` is listed.
   * Undefined or empty: any. Defence in depth behind the admission policy (SECURITY.md): the worker holds
   * the right to create PipelineRuns, so it refuses to lend it to accounts the operator did not intend.
   */
  allowedServiceAccounts?: readonly string[];
  /**
   * Bounds of a WFE's own `spec.cooldown` (the worker's KUBERNAUT_TARGET_COOLDOWN_MIN/_MAX), in ms.
   * Default 0 to 1 hour.
   */
  cooldownBoundsMs?: { min: number; max: number };
}

/** The account Tekton runs a PipelineRun's pods as when it names none (Tekton's `default-service-account`). */
export const TEKTON_DEFAULT_SERVICE_ACCOUNT = 'default';

export const DEFAULT_COOLDOWN_BOUNDS_MS = { min: 0, max: 3_600_000 } as const;

export type ValidationResult = { ok: true; value: WorkflowExecution } | { ok: false; errors: ValidationError[] };

export function validateWorkflowExecution(obj: unknown, policy: ValidationPolicy = {}): ValidationResult {
  const errors: ValidationError[] = [];
  const parsed = WorkflowExecutionSchema.safeParse(obj, { error: describeSchemaIssue });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const error of schemaIssueToErrors(issue)) errors.push(error);
    }
  }
  // Cross-field rules run on the raw input too, so one pass reports a bad name and a cycle together.
  errors.push(...checkSpecRules(isRecord(obj) ? obj.spec : undefined, policy));
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: sortByPath(dedupe(errors)) };
  return { ok: true, value: parsed.data };
}

// ---------------------------------------------------------------------------------------------------
// Schema issues → errors with the fix

const ALLOWED_FIELDS: Record<string, readonly string[]> = {
  spec: Object.keys(WorkflowExecutionSpecSchema.shape),
  'spec.steps[]': Object.keys(WorkflowStepSchema.shape),
  'spec.remediationRequestRef': Object.keys(RemediationRequestRefSchema.shape),
};

function schemaIssueToErrors(issue: {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}): ValidationError[] {
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const where = formatPath(issue.path).replace(/\[\d+\]/g, '[]');
    const allowed = ALLOWED_FIELDS[where];
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: `unknown field "${key}" (the API server would drop it)${allowed ? `; allowed fields here: ${allowed.join(', ')}` : ''}`,
    }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Messages for issues whose schema did not set its own. */
function describeSchemaIssue(issue: $ZodRawIssue): string | undefined {
  const field = fieldName(issue.path ?? []);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${field} is required`;
      return `${field} must be ${article(issue.expected)}, got ${describeType(issue.input)}`;
    case 'too_small':
      return `${field} must be at least ${String(issue.minimum)}${issue.origin === 'array' ? ' items long' : ''}`;
    case 'too_big':
      return `${field} must be at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items long' : ''}`;
    default:
      return undefined;
  }
}

function fieldName(path: readonly PropertyKey[]): string {
  const last = [...path].reverse().find((k) => typeof k === 'string');
  return last === undefined ? 'a WorkflowExecution' : String(last);
}

function article(expected: string): string {
  const noun = expected === 'record' ? 'object' : expected === 'array' ? 'list' : expected;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

// ---------------------------------------------------------------------------------------------------
// Rules across fields, written defensively against any input shape

interface RawStep {
  index: number;
  name?: string;
  runAfter: { value: string; index: number }[];
  raw: Record<string, unknown>;
}

/**
 * How messages name a step: `step "fix"`, or its path when it has no usable name. The CRD's CEL rules
 * (deploy/crds/workflowexecution.yaml) use the same words, so `kubectl apply` and `npm run render` agree.
 */
function stepLabel(step: RawStep): string {
  return step.name === undefined ? `spec.steps[${step.index}]` : `step "${step.name}"`;
}

function checkSpecRules(spec: unknown, policy: ValidationPolicy): ValidationError[] {
  if (!isRecord(spec)) return [];
  const errors: ValidationError[] = [];

  if (typeof spec.targetResource === 'string') {
    const target = parseTargetResource(spec.targetResource);
    if (!target.ok) errors.push({ path: 'spec.targetResource', message: target.message });
  }

  checkServiceAccount(spec.serviceAccountName, policy, errors);

  const executionTimeoutMs =
    checkTimeout(spec.timeout, 'spec.timeout', errors) ?? tryParseGoDuration(DEFAULT_EXECUTION_TIMEOUT)!;
  checkCooldown(spec.cooldown, policy.cooldownBoundsMs ?? DEFAULT_COOLDOWN_BOUNDS_MS, errors);

  const steps: RawStep[] = Array.isArray(spec.steps)
    ? spec.steps.flatMap((raw: unknown, index: number) =>
        isRecord(raw)
          ? [
              {
                index,
                raw,
                name: typeof raw.name === 'string' ? raw.name : undefined,
                runAfter: Array.isArray(raw.runAfter)
                  ? raw.runAfter.flatMap((value: unknown, i: number) =>
                      typeof value === 'string' ? [{ value, index: i }] : [],
                    )
                  : [],
              },
            ]
          : [],
      )
    : [];

  const firstIndexByName = new Map<string, number>();
  for (const step of steps) {
    if (step.name === undefined) continue;
    const first = firstIndexByName.get(step.name);
    if (first === undefined) firstIndexByName.set(step.name, step.index);
    else
      errors.push({
        path: `spec.steps[${step.index}].name`,
        message: `duplicate step name "${step.name}": step names must be unique within a WorkflowExecution (spec.steps[${first}] already uses it)`,
      });
  }

  for (const step of steps) {
    const base = `spec.steps[${step.index}]`;
    const seen = new Set<string>();
    for (const dep of step.runAfter) {
      const path = `${base}.runAfter[${dep.index}]`;
      if (dep.value === step.name) {
        errors.push({
          path,
          message: `step "${step.name}" lists itself in runAfter; a step cannot wait for itself: remove this entry`,
        });
      } else if (!firstIndexByName.has(dep.value)) {
        const known = [...firstIndexByName.keys()].filter((n) => n !== step.name);
        errors.push({
          path,
          message: `${stepLabel(step)}: runAfter names "${dep.value}", which is not a step of this WorkflowExecution; use one of: ${known.length > 0 ? known.join(', ') : '(no other steps)'}`,
        });
      } else if (seen.has(dep.value)) {
        errors.push({ path, message: `runAfter lists "${dep.value}" twice; list each step once` });
      }
      seen.add(dep.value);
    }
    checkInputs(step.raw.inputs, `${base}.inputs`, errors);
    checkImage(step.raw.image, `${base}.image`, policy, errors);
    const stepTimeoutMs = checkTimeout(step.raw.timeout, `${base}.timeout`, errors);
    if (stepTimeoutMs !== undefined && stepTimeoutMs > executionTimeoutMs) {
      errors.push({
        path: `${base}.timeout`,
        message: `step timeout "${String(step.raw.timeout)}" is longer than the execution timeout "${typeof spec.timeout === 'string' ? spec.timeout : DEFAULT_EXECUTION_TIMEOUT}"; the whole execution would be cut first: lower the step timeout or raise spec.timeout`,
      });
    }
  }

  // Only steps with unique names take part, so a duplicate name does not also show up as a cycle.
  const graph = steps.filter((s) => s.name !== undefined && firstIndexByName.get(s.name) === s.index);
  for (const cycle of findCycles(graph.map((s) => ({ name: s.name!, runAfter: s.runAfter.map((d) => d.value) })))) {
    const step = graph[cycle.closingEdge.stepIndex];
    const entry = step.runAfter[cycle.closingEdge.runAfterIndex];
    errors.push({
      path: `spec.steps[${step.index}].runAfter[${entry.index}]`,
      message: `steps form a cycle through runAfter: ${cycle.names.join(' → ')} (each waits for the next, so none can start); remove one of these runAfter entries`,
    });
  }
  return errors;
}

const TIMEOUT = new RegExp(TIMEOUT_PATTERN);

function checkTimeout(value: unknown, path: string, errors: ValidationError[]): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = tryParseGoDuration(value);
  if (ms === undefined || !TIMEOUT.test(value)) {
    errors.push({
      path,
      message: `"${value}" is not a duration; write a number and a unit, e.g. "90s", "30m" or "1h30m" (units h, m, s, ms, us, ns; no sign)`,
    });
    return undefined;
  }
  if (ms <= 0) {
    errors.push({ path, message: `timeout "${value}" must be positive, e.g. "30m"` });
    return undefined;
  }
  return ms;
}

function checkCooldown(value: unknown, bounds: { min: number; max: number }, errors: ValidationError[]): void {
  if (typeof value !== 'string' || value === '') return;
  const path = 'spec.cooldown';
  const ms = tryParseGoDuration(value);
  if (ms === undefined || !TIMEOUT.test(value)) {
    errors.push({
      path,
      message: `"${value}" is not a duration; write a number and a unit, e.g. "0s", "2m" or "1h" (units h, m, s, ms, us, ns; no sign)`,
    });
    return;
  }
  if (ms < bounds.min || ms > bounds.max) {
    errors.push({
      path,
      message: `cooldown "${value}" is outside what this worker allows, ${formatGoDuration(bounds.min)} to ${formatGoDuration(bounds.max)} (KUBERNAUT_TARGET_COOLDOWN_MIN/_MAX); omit it to use the worker's default`,
    });
  }
}

function checkInputs(value: unknown, path: string, errors: ValidationError[]): void {
  if (!isRecord(value)) return;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    errors.push({ path, message: `inputs must be plain JSON data (${e instanceof Error ? e.message : String(e)})` });
    return;
  }
  const bytes = utf8Length(text ?? '');
  if (bytes > LIMITS.maxInputsBytes) {
    errors.push({
      path,
      message: `inputs serialize to ${bytes} bytes of JSON, more than the ${LIMITS.maxInputsBytes} bytes (64 KiB) an action accepts; pass large data by reference (a ConfigMap, a URL) instead`,
    });
  }
}

function checkImage(value: unknown, path: string, policy: ValidationPolicy, errors: ValidationError[]): void {
  if (typeof value !== 'string' || value === '') return;
  const ref = parseImageReference(value);
  if (!ref.ok) {
    errors.push({ path, message: ref.message });
    return;
  }
  if (policy.requireDigest && !isDigestPinned(ref.value)) {
    errors.push({
      path,
      message: `image "${value}" must be pinned by digest (policy requireDigest): write it as ${ref.value.registry}/${ref.value.repository}@sha256:<64 hex>`,
    });
  }
  const allowed = policy.allowedRegistries ?? [];
  if (allowed.length > 0 && !isFromAllowedRegistry(ref.value, allowed)) {
    errors.push({
      path,
      message: `image "${value}" comes from ${ref.value.registry}/${ref.value.repository}, outside the allowed registries (policy allowedRegistries: ${allowed.join(', ')}); use an image from one of them`,
    });
  }
}

function checkServiceAccount(value: unknown, policy: ValidationPolicy, errors: ValidationError[]): void {
  const allowed = policy.allowedServiceAccounts ?? [];
  if (allowed.length === 0) return;
  const rule = `policy allowedServiceAccounts: ${allowed.join(', ')}`;
  if (value === undefined) {
    if (allowed.includes(TEKTON_DEFAULT_SERVICE_ACCOUNT)) return;
    errors.push({
      path: 'spec.serviceAccountName',
      message: `serviceAccountName is not set, so the steps would run as the namespace's "${TEKTON_DEFAULT_SERVICE_ACCOUNT}" ServiceAccount, which the worker does not allow (${rule}); set it to one of those`,
    });
    return;
  }
  if (typeof value !== 'string' || allowed.includes(value)) return;
  errors.push({
    path: 'spec.serviceAccountName',
    message: `ServiceAccount "${value}" is not one the worker lets steps run as (${rule}); use one of those, or ask the operator to allow it`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Errors in document order (spec.steps[2] before spec.steps[10]), stable within one field. */
function sortByPath(errors: ValidationError[]): ValidationError[] {
  const key = (path: string) => path.split(/[.[\]]+/).filter((t) => t !== '');
  const compare = (a: string, b: string) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      if (ka[i] === kb[i]) continue;
      const na = Number(ka[i]);
      const nb = Number(kb[i]);
      if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
      return ka[i] < kb[i] ? -1 : 1;
    }
    return ka.length - kb.length;
  };
  return errors
    .map((error, order) => ({ error, order }))
    .sort((a, b) => compare(a.error.path, b.error.path) || a.order - b.order)
    .map((e) => e.error);
}

function dedupe(errors: ValidationError[]): ValidationError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
