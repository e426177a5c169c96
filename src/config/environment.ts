/**
 * Pieces of configuration both long-running processes (worker and watcher) read from the environment:
 * value parsers, the Temporal connection (address, namespace, task queue, mTLS, API key), and the loader
 * that turns every problem into one readable message.
 */
import { z } from 'zod';
import { MONITOR_DEFAULTS } from '../domain/effectiveness/monitor-state';
import { tryParseGoDuration } from '../domain/duration';
import { TASK_QUEUE } from '../domain/names';

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** `true`/`1` or `false`/`0`; empty counts as unset. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default('')
    .transform((v) => (v === '' ? fallback : v === 'true' || v === '1'));

/** A comma-separated list; empty entries dropped. */
export const envList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

export const envPositiveInt = z.coerce.number().int().positive();
export const envPort = z.coerce.number().int().min(0).max(65535);
/** A Go duration ("90s", "5m", "1h"; "0s" allowed) → milliseconds, with the default written the same way. */
export const envGoDurationMs = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = tryParseGoDuration(v === '' ? fallback : v);
      if (ms === undefined || ms < 0) {
        ctx.addIssue({ code: 'custom', message: `"${v}" must be a Go duration such as "0s", "90s", "5m" or "1h"` });
        return z.NEVER;
      }
      return ms;
    });

export const envLogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info');

/**
 * KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS, read the same way by the worker and the watcher: every
 * remediation either of them reports carries it (src/temporal-client/effectiveness-signal.ts), so unset
 * means the monitor's default (5 minutes) stated explicitly, and two processes that disagree show up in the
 * monitor as window disagreements instead of one silently winning.
 */
export const envStabilizationWindowMs = z.coerce
  .number()
  .int('must be an integer number of milliseconds')
  .min(0, 'must be >= 0')
  .default(MONITOR_DEFAULTS.stabilizationWindowMs);

/** How to reach Temporal: shared by the worker and the watcher (see temporal-client/connection-options.ts). */
export const temporalEnvironment = {
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  /** mTLS to Temporal (self-hosted with TLS, or Temporal Cloud with certificates). */
  KUBERNAUT_TEMPORAL_TLS_CERT: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_KEY: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_CA: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Temporal Cloud API key (implies TLS). */
  KUBERNAUT_TEMPORAL_API_KEY: z.string().optional(),
};

/** Parses `env` with `schema`, or throws a ConfigurationError listing every problem for `process`. */
export function loadEnvironment<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, process: string): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigurationError(`invalid ${process} configuration:\n${problems}`);
  }
  const c = parsed.data as { KUBERNAUT_TEMPORAL_TLS_CERT?: string; KUBERNAUT_TEMPORAL_TLS_KEY?: string };
  if (Boolean(c.KUBERNAUT_TEMPORAL_TLS_CERT) !== Boolean(c.KUBERNAUT_TEMPORAL_TLS_KEY)) {
    throw new ConfigurationError(
      `invalid ${process} configuration: KUBERNAUT_TEMPORAL_TLS_CERT and KUBERNAUT_TEMPORAL_TLS_KEY go together`,
    );
  }
  return parsed.data;
}
