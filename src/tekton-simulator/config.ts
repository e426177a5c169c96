/**
 * Configuration of the standalone simulator process (`npm run simulator`), from the environment, validated
 * in one place. KUBECONFIG selects the API server as for every other process of the project.
 *
 * | variable                                        | default | meaning                                          |
 * |-------------------------------------------------|---------|--------------------------------------------------|
 * | KUBERNAUT_SIMULATOR_NAMESPACES                  | (all)   | comma-separated namespaces to serve              |
 * | KUBERNAUT_SIMULATOR_RESYNC_INTERVAL_MS          | 5000    | full re-list period (watch stall recovery)       |
 * | KUBERNAUT_SIMULATOR_DEFAULT_STEP_DURATION_MS    | 200     | step duration when inputs do not say; 0 = instant |
 * | KUBERNAUT_SIMULATOR_CONCURRENCY                 | 8       | PipelineRuns reconciled at once                  |
 * | KUBERNAUT_SIMULATOR_FIELD_VALIDATION            | Strict  | Strict, Warn or Ignore (server-side)             |
 * | KUBERNAUT_LOG_LEVEL                             | info    | pino level                                       |
 */
import { z } from 'zod';

const integerFromEnv = (min: number) => z.coerce.number().int().min(min);

const schema = z.object({
  KUBERNAUT_SIMULATOR_NAMESPACES: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n.length > 0),
    ),
  KUBERNAUT_SIMULATOR_RESYNC_INTERVAL_MS: integerFromEnv(100).default(5000),
  KUBERNAUT_SIMULATOR_DEFAULT_STEP_DURATION_MS: integerFromEnv(0).default(200),
  KUBERNAUT_SIMULATOR_CONCURRENCY: integerFromEnv(1).default(8),
  KUBERNAUT_SIMULATOR_FIELD_VALIDATION: z.enum(['Strict', 'Warn', 'Ignore']).default('Strict'),
  KUBERNAUT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface SimulatorProcessConfig {
  namespaces: string[];
  resyncIntervalMs: number;
  defaultStepDurationMs: number;
  concurrency: number;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  logLevel: string;
}

/** Reads the configuration; throws one error listing every invalid variable and its rule. */
export function readSimulatorConfig(env: NodeJS.ProcessEnv): SimulatorProcessConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid simulator configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = result.data;
  return {
    namespaces: c.KUBERNAUT_SIMULATOR_NAMESPACES,
    resyncIntervalMs: c.KUBERNAUT_SIMULATOR_RESYNC_INTERVAL_MS,
    defaultStepDurationMs: c.KUBERNAUT_SIMULATOR_DEFAULT_STEP_DURATION_MS,
    concurrency: c.KUBERNAUT_SIMULATOR_CONCURRENCY,
    fieldValidation: c.KUBERNAUT_SIMULATOR_FIELD_VALIDATION,
    logLevel: c.KUBERNAUT_LOG_LEVEL,
  };
}
