/**
 * The `remediationTerminal` signal as a zod schema, for its senders: they validate a signal before
 * `signalWithStart`, and a bad one fails there (the watcher, the worker's activity, the bench). Run-time
 * zod stays here, out of workflow code: the monitor reads the signal with remediation-terminal.ts, which
 * holds the type, the rules' wording and the same rules without zod.
 */
import { z } from 'zod';
import { TERMINAL_REMEDIATION_PHASES } from '../remediation-request';
import { TARGET_RESOURCE_SHAPE } from '../target-resource';
import {
  InvalidRemediationTerminalError,
  REMEDIATION_TERMINAL_RULES as R,
  type RemediationTerminal,
} from './remediation-terminal';

const nonEmpty = z.string().min(1, R.nonEmpty);

export const RemediationTerminalSchema = z.object({
  remediation: z.object({
    /** Correlation key shared with action records: the RemediationRequest uid, or `namespace/name`. */
    id: nonEmpty,
    namespace: nonEmpty,
    name: nonEmpty,
  }),
  phase: z.enum(TERMINAL_REMEDIATION_PHASES, { error: R.phase }),
  /** Absent when the watcher reports a RemediationRequest that never got (or no longer has) a WFE. */
  workflowExecution: z.object({ namespace: nonEmpty, name: nonEmpty, uid: nonEmpty }).optional(),
  /** Only the shape is checked: a RemediationRequest's target need not follow Kubernetes naming rules. */
  target: z.string().regex(TARGET_RESOURCE_SHAPE, R.target),
  /**
   * Action types the remediation ran. May be empty when the sender does not know them (the watcher's
   * RemediationRequest-based signal); the assessment then reads them from the action records.
   */
  actionTypes: z.array(nonEmpty).max(R.maxActionTypes, R.actionTypes),
  endedAt: z.iso.datetime({ offset: true, error: R.endedAt }),
  /** Per-remediation override of the monitor's stabilization window; prefer the monitor's input. */
  stabilizationWindowMs: z.number().int().min(0, R.stabilizationWindowMs).optional(),
});

/** `$.remediation.id: must be a non-empty string` — the JSON path of each problem and the rule broken. */
export function describeSignalProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `$${path}: ${issue.message}`;
  });
}

/** The signal a sender is about to send, or InvalidRemediationTerminalError naming each problem. */
export function parseRemediationTerminal(input: unknown): RemediationTerminal {
  const parsed = RemediationTerminalSchema.safeParse(input);
  if (!parsed.success) throw new InvalidRemediationTerminalError(describeSignalProblems(parsed.error));
  return parsed.data;
}
