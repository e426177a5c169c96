/**
 * The `remediationTerminal` signal: "this remediation reached a terminal phase, assess it".
 *
 * Two producers send it (the WorkflowExecution workflow through an activity, and the watcher when a
 * RemediationRequest turns terminal), so the shape is validated at both ends: by the sender before
 * `signalWithStart` (a bad payload is the sender's bug and should fail there, loudly; the zod schema of
 * remediation-terminal-schema.ts) and by the monitor, which drops what it cannot read instead of failing
 * its own long-lived run (`readRemediationTerminal` here, the same rules written without zod).
 *
 * Pure and free of zod at run time: this module is bundled into workflow code. The type is inferred from
 * the schema, imported as a type only.
 */
import type { z } from 'zod';
import { arrayOf, integer, nonEmptyString, object, oneOf, string, stringThat, type Check } from '../payload-checks';
import { TERMINAL_REMEDIATION_PHASES } from '../remediation-request';
import { hasTargetResourceShape } from '../target-resource';
import { isRfc3339Timestamp } from '../time';
import type { RemediationTerminalSchema } from './remediation-terminal-schema';

export type RemediationTerminal = z.infer<typeof RemediationTerminalSchema>;

/** What each field must be, in the words both ends report. */
export const REMEDIATION_TERMINAL_RULES = {
  nonEmpty: 'must be a non-empty string',
  phase: `must be one of ${TERMINAL_REMEDIATION_PHASES.join(', ')}`,
  /** Only the shape is checked: a RemediationRequest's target need not follow Kubernetes naming rules. */
  target: 'must be `namespace/Kind/name` or `Kind/name`',
  /** A WFE has at most 50 steps (LIMITS.maxSteps), so at most 50 action types. */
  maxActionTypes: 50,
  actionTypes: 'at most 50 action types (a WFE has at most 50 steps)',
  endedAt: 'must be an RFC 3339 timestamp',
  stabilizationWindowMs: 'must be >= 0',
} as const;

export class InvalidRemediationTerminalError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid remediationTerminal signal: ${problems.join('; ')}`);
    this.name = 'InvalidRemediationTerminalError';
  }
}

const R = REMEDIATION_TERMINAL_RULES;
const nonEmpty = nonEmptyString(R.nonEmpty);

/** The signal's rules as a payload check (the zod schema's, problem for problem). */
export const checkRemediationTerminal: Check<RemediationTerminal> = object<RemediationTerminal>(
  {
    remediation: object({ id: nonEmpty, namespace: nonEmpty, name: nonEmpty }),
    phase: oneOf(TERMINAL_REMEDIATION_PHASES, R.phase),
    workflowExecution: object({ namespace: nonEmpty, name: nonEmpty, uid: nonEmpty }),
    target: string({ test: hasTargetResourceShape, message: R.target }),
    actionTypes: arrayOf(nonEmpty, { max: R.maxActionTypes, message: R.actionTypes }),
    endedAt: stringThat(isRfc3339Timestamp, R.endedAt),
    stabilizationWindowMs: integer(0, { min: R.stabilizationWindowMs }),
  },
  ['workflowExecution', 'stabilizationWindowMs'],
);

/**
 * The signal as the monitor reads it: the remediation (without keys the signal does not define), or
 * each problem as `$.remediation.id: must be a non-empty string` (the JSON path and the rule broken).
 */
export function readRemediationTerminal(
  input: unknown,
): { ok: true; value: RemediationTerminal } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const value = checkRemediationTerminal(input, '$', problems);
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}
