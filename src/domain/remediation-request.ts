/**
 * The slice of RemediationRequest this project reads (DESIGN.md §2): what is remediated, which signal
 * started it, and whether it reached a terminal phase (which triggers effectiveness assessment). The
 * orchestrator owns the resource; unknown fields pass through untouched.
 *
 * Its vocabulary (phases) and types. The types are inferred from the zod schemas of
 * remediation-request-schema.ts and imported as types only: this module stays free of zod at run time,
 * because workflow code (the effectiveness monitor reads the terminal phases) imports it.
 */
import type { z } from 'zod';
import type { RemediationRequestSchema, RemediationTargetSchema } from './remediation-request-schema';

export const REMEDIATION_PHASES = [
  'Pending',
  'Processing',
  'Analyzing',
  'AwaitingApproval',
  'Executing',
  'Verifying',
  'Blocked',
  'Completed',
  'Failed',
  'TimedOut',
  'Skipped',
  'Cancelled',
] as const;
export type RemediationPhase = (typeof REMEDIATION_PHASES)[number];

/** Phases after which nothing more happens: each triggers one effectiveness assessment. */
export const TERMINAL_REMEDIATION_PHASES = ['Completed', 'Failed', 'TimedOut', 'Cancelled', 'Skipped'] as const;
export type TerminalRemediationPhase = (typeof TERMINAL_REMEDIATION_PHASES)[number];

export function isTerminalRemediationPhase(phase: string | undefined): phase is TerminalRemediationPhase {
  return (TERMINAL_REMEDIATION_PHASES as readonly string[]).includes(phase ?? '');
}

export type RemediationTarget = z.infer<typeof RemediationTargetSchema>;
export type RemediationRequest = z.infer<typeof RemediationRequestSchema>;
