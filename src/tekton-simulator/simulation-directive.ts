/**
 * What a simulated step does is chosen by data, so tests and the demo ask for outcomes through the same
 * WorkflowExecution inputs a real action would receive: the `inputs` param (a JSON string) may carry
 *
 *   "simulate": { "outcome": "succeed" | "fail" | "oom" | "imagepull" | "hang",
 *                 "exitCode"?: 1..255, "durationMs"?: >= 0, "failAttempts"?: >= 0 }
 *
 * `failAttempts` makes only the first N attempts take the outcome (later retries succeed); without it every
 * attempt does. Inputs without `simulate` (or that are not JSON at all) succeed after the default duration.
 */
import { z } from 'zod';
import type { Param } from './tekton-objects';

export const SIMULATED_OUTCOMES = ['succeed', 'fail', 'oom', 'imagepull', 'hang'] as const;
export type SimulatedOutcome = (typeof SIMULATED_OUTCOMES)[number];

const simulationDirectiveSchema = z
  .object({
    outcome: z.enum(SIMULATED_OUTCOMES).default('succeed'),
    exitCode: z.number().int().min(1).max(255).optional(),
    durationMs: z.number().int().min(0).optional(),
    failAttempts: z.number().int().min(0).optional(),
  })
  .strict();

export type SimulationDirective = z.infer<typeof simulationDirectiveSchema>;

export const INPUTS_PARAM = 'inputs';
export const ACTION_IMAGE_PARAM = 'actionImage';

export type DirectiveReading = { ok: true; directive: SimulationDirective } | { ok: false; error: string };

export function readSimulationDirective(params: readonly Param[] | undefined): DirectiveReading {
  const inputs = params?.find((p) => p.name === INPUTS_PARAM)?.value;
  const parsed = typeof inputs === 'string' ? parseJson(inputs) : inputs;
  if (parsed === null || typeof parsed !== 'object' || !('simulate' in parsed)) {
    return { ok: true, directive: { outcome: 'succeed' } };
  }
  const result = simulationDirectiveSchema.safeParse((parsed as { simulate: unknown }).simulate);
  if (result.success) return { ok: true, directive: result.data };
  const detail = result.error.issues
    .map((issue) => `${['simulate', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: detail };
}

export interface AttemptBehaviour {
  outcome: SimulatedOutcome;
  exitCode: number;
  /** How long the attempt runs before its outcome shows; undefined = until cancelled or timed out. */
  durationMs: number | undefined;
}

/** What attempt number `attempt` (0 = first run, N = Nth retry) of a step does. */
export function attemptBehaviour(
  directive: SimulationDirective,
  attempt: number,
  defaultStepDurationMs: number,
): AttemptBehaviour {
  const takesOutcome = directive.failAttempts === undefined || attempt < directive.failAttempts;
  const outcome: SimulatedOutcome = takesOutcome ? directive.outcome : 'succeed';
  const durationMs = outcome === 'hang' ? undefined : (directive.durationMs ?? defaultStepDurationMs);
  return { outcome, exitCode: exitCodeOf(outcome, directive.exitCode), durationMs };
}

function exitCodeOf(outcome: SimulatedOutcome, requested: number | undefined): number {
  switch (outcome) {
    case 'succeed':
    case 'hang':
      return 0;
    case 'fail':
      return requested ?? 1;
    case 'oom':
      return requested ?? 137; // SIGKILL from the OOM killer
    case 'imagepull':
      return 1; // what Tekton writes for a step it terminates without it ever running
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
