/**
 * The `remediationTerminal` signal: "this remediation reached a terminal phase, assess it".
 *
 * Two producers send it (the WorkflowExecution workflow through an activity, and the watcher when a
 * RemediationRequest turns terminal), so the shape is validated at both ends: by the sender before
 * `signalWithStart` (a bad payload is the sender's bug and should fail there, loudly) and by the monitor,
 * which drops what it cannot read instead of failing its own long-lived run.
 *
 * Pure: this module is also bundled into workflow code.
 */
import { z } from 'zod';
import { TERMINAL_REMEDIATION_PHASES } from '../remediation-request';
import { TARGET_RESOURCE_SHAPE } from '../target-resource';

const nonEmpty = z.string().min(1, 'must be a non-empty string');

export const RemediationTerminalSchema = z.object({
  remediation: z.object({
    /** Correlation key shared with action records: the RemediationRequest uid, or `namespace/name`. */
    id: nonEmpty,
    namespace: nonEmpty,
    name: nonEmpty,
  }),
  phase: z.enum(TERMINAL_REMEDIATION_PHASES, { error: `must be one of ${TERMINAL_REMEDIATION_PHASES.join(', ')}` }),
  /** Absent when the watcher reports a RemediationRequest that never got (or no longer has) a WFE. */
  workflowExecution: z.object({ namespace: nonEmpty, name: nonEmpty, uid: nonEmpty }).optional(),
  /** Only the shape is checked: a RemediationRequest's target need not follow Kubernetes naming rules. */
  target: z.string().regex(TARGET_RESOURCE_SHAPE, 'must be `namespace/Kind/name` or `Kind/name`'),
  /**
   * Action types the remediation ran. May be empty when the sender does not know them (the watcher's
   * RemediationRequest-based signal); the assessment then reads them from the action records.
   */
  actionTypes: z.array(nonEmpty).max(50, 'at most 50 action types (a WFE has at most 50 steps)'),
  endedAt: z.iso.datetime({ offset: true, error: 'must be an RFC 3339 timestamp' }),
  /** Per-remediation override of the monitor's stabilization window; prefer the monitor's input. */
  stabilizationWindowMs: z.number().int().min(0, 'must be >= 0').optional(),
});

export type RemediationTerminal = z.infer<typeof RemediationTerminalSchema>;

export class InvalidRemediationTerminalError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid remediationTerminal signal: ${problems.join('; ')}`);
    this.name = 'InvalidRemediationTerminalError';
  }
}

/** `$.remediation.id: must be a non-empty string` — the JSON path of each problem and the rule broken. */
export function describeSignalProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `$${path}: ${issue.message}`;
  });
}

export function parseRemediationTerminal(input: unknown): RemediationTerminal {
  const parsed = RemediationTerminalSchema.safeParse(input);
  if (!parsed.success) throw new InvalidRemediationTerminalError(describeSignalProblems(parsed.error));
  return parsed.data;
}
