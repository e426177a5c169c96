/**
 * The slice of RemediationRequest this project reads (DESIGN.md §2): what is remediated, which signal
 * started it, and whether it reached a terminal phase (which triggers effectiveness assessment). The
 * orchestrator owns the resource; unknown fields pass through untouched.
 */
import { z } from 'zod';

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

export const RemediationTargetSchema = z.looseObject({
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

export const RemediationRequestSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
  }),
  spec: z.looseObject({
    targetResource: RemediationTargetSchema,
    signalName: z.string(),
  }),
  status: z.looseObject({ overallPhase: z.enum(REMEDIATION_PHASES).optional() }).optional(),
});

export type RemediationTarget = z.infer<typeof RemediationTargetSchema>;
export type RemediationRequest = z.infer<typeof RemediationRequestSchema>;
