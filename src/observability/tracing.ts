/**
 * OpenTelemetry tracing of the worker and the watcher (issue #15): the watcher's handling of a
 * WorkflowExecution, the workflow, its activities and their Kubernetes and PostgreSQL calls form one trace,
 * carried from the watcher to the workflow and from the workflow to its activities by Temporal headers
 * (Temporal's own OpenTelemetry interceptors, `@temporalio/interceptors-opentelemetry`).
 *
 * Configured by the standard `OTEL_*` environment variables and OFF unless an OTLP endpoint is given
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true` and
 * `OTEL_TRACES_EXPORTER=none` turn it off too. Off means nothing of OpenTelemetry is loaded: no provider,
 * no instrumentation, no interceptor, the workflow bundle without the tracing interceptors.
 *
 * The instrumentations (http for the Kubernetes client, pg) patch modules as they are `require`d, so
 * tracing starts before the process loads them: each entry point's FIRST import is its
 * `tracing-<process>.ts` module, which calls `startTracing` — the same under tsx (`npm run worker`) and
 * in the image (`node dist/workers/main.js`, compiled to CommonJS with the imports in source order).
 *
 * This module loads no OpenTelemetry package itself; `tracing-sdk.ts` does, and only when tracing is on.
 */
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks } from '@temporalio/worker';
import type { Tracing } from './tracing-sdk';

export type { Tracing, TemporalTracing } from './tracing-sdk';

/**
 * The workflow interceptor module every workflow bundle holds (`npm run build`, and the worker's own
 * bundling from source): Temporal's OpenTelemetry workflow interceptors for the workflows started with a
 * trace, nothing for the others (tracing-workflow-interceptors.ts says why).
 */
export const WORKFLOW_TRACING_INTERCEPTORS = require.resolve('./tracing-workflow-interceptors');

/** The workflow spans' sink of a worker without tracing: traced workflows' spans end here. */
export const DROPPED_WORKFLOW_SPANS: InjectedSinks<OpenTelemetrySinks> = {
  exporter: { export: { fn: () => undefined, callDuringReplay: false } },
};

export type TracingSettings =
  { enabled: false; reason: string } | { enabled: true; serviceName: string; endpoint: string };

/** Only OTLP over HTTP with protobuf payloads (the OpenTelemetry default) is shipped. */
const SUPPORTED_PROTOCOL = 'http/protobuf';

/** Thrown for OTEL_* settings this process cannot honour; the entry point prints it and exits. */
export class TracingConfigurationError extends Error {}

/** What the environment asks for; throws TracingConfigurationError on settings that cannot be honoured. */
export function tracingSettings(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): TracingSettings {
  const value = (name: string) => env[name]?.trim() || undefined;
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  const exporters = (value('OTEL_TRACES_EXPORTER') ?? 'otlp').split(',').map((e) => e.trim().toLowerCase());
  if (exporters.includes('none')) return { enabled: false, reason: 'OTEL_TRACES_EXPORTER=none' };
  const endpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? value('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!endpoint) return { enabled: false, reason: 'no OTEL_EXPORTER_OTLP_ENDPOINT' };
  const problems: string[] = [];
  const unsupported = exporters.filter((e) => e !== 'otlp');
  if (unsupported.length) problems.push(`OTEL_TRACES_EXPORTER: only otlp (or none) is supported, got ${unsupported}`);
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = value(name);
    if (protocol && protocol !== SUPPORTED_PROTOCOL)
      problems.push(`${name}: only ${SUPPORTED_PROTOCOL} is supported, got ${protocol}`);
  }
  if (problems.length)
    throw new TracingConfigurationError(`invalid tracing configuration:\n  ${problems.join('\n  ')}`);
  return { enabled: true, serviceName: value('OTEL_SERVICE_NAME') ?? defaultServiceName, endpoint };
}

let installed: Tracing | undefined;

/**
 * Starts tracing for this process when the environment asks for it (see tracingSettings), once; returns
 * undefined when it is off. Must run before `pg` and `http` are loaded.
 */
export function startTracing(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (installed) return installed;
  const settings = tracingSettings(defaultServiceName, env);
  if (!settings.enabled) return undefined;
  // Loaded only now: with tracing off, no OpenTelemetry package is in the process.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  installed = sdk.installTracing(settings);
  return installed;
}

/** The tracing this process runs with, or undefined when it is off. */
export function currentTracing(): Tracing | undefined {
  return installed;
}

/** For the entry points' tracing modules: start, or print why the configuration is wrong and exit 1. */
export function startTracingOrExit(defaultServiceName: string): Tracing | undefined {
  try {
    return startTracing(defaultServiceName);
  } catch (err) {
    if (!(err instanceof TracingConfigurationError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
