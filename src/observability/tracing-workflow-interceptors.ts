/**
 * The workflow side of tracing: a workflow interceptor module in every worker's workflow bundle that hands
 * each workflow to Temporal's OpenTelemetry workflow interceptors (`@temporalio/interceptors-opentelemetry`)
 * only when its start carried a trace — the `_tracer-data` header their client interceptor writes, e.g. the
 * watcher's with tracing on — and otherwise passes every call straight through.
 *
 * Why a gate, not those interceptors for every workflow or only in workers with tracing on:
 * - Determinism. Temporal's interceptors add microtask yields around activity scheduling; a history written
 *   without them can replay differently with them (the recorded target-lock history does: an update's
 *   completion and an activity change order). The gate decides from the workflow's own first activation,
 *   which every replay sees again, so a workflow behaves the same on every worker and at every replay,
 *   whether that worker traces or not, and workflows started without a trace run exactly as before.
 * - Memory. The bundle's modules are loaded once per cached workflow (test/workers/workflow-bundle.test.ts):
 *   Temporal's interceptors bring the OpenTelemetry SDK, about 240 KiB of heap per workflow. Required only
 *   here, lazily, they are loaded only into traced workflows.
 * A worker without tracing still traces the workflows started with a trace, and drops their spans (its
 * `exporter` sink does nothing): turn tracing on in workers and watchers together.
 */
import type { ActivateInput, Next, WorkflowInterceptors, WorkflowInternalsInterceptor } from '@temporalio/workflow';

/** The header Temporal's OpenTelemetry interceptors carry the trace context in (their TRACE_HEADER). */
const TRACE_HEADER = '_tracer-data';

type Part = keyof WorkflowInterceptors;
type AnyInterceptor = Record<string, ((input: unknown, next: (input: unknown) => unknown) => unknown) | undefined>;

function loadOpenTelemetryInterceptors(): WorkflowInterceptors {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const otel = require('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors') as {
    interceptors: () => WorkflowInterceptors;
  };
  return otel.interceptors();
}

/** `method` of the interceptors in `list`, composed as the SDK composes them (the first is the outermost). */
function callThrough(list: AnyInterceptor[], method: string, input: unknown, next: (input: unknown) => unknown) {
  let composed = next;
  for (let i = list.length - 1; i >= 0; i--) {
    const interceptor = list[i]!;
    const fn = interceptor[method];
    if (fn === undefined) continue;
    const inner = composed;
    composed = (value) => fn.call(interceptor, value, inner);
  }
  return composed(input);
}

export const interceptors = (): WorkflowInterceptors => {
  let traced: WorkflowInterceptors | undefined;

  /** An interceptor with every method: Temporal's for a traced workflow, the next one's otherwise. */
  const gate = <T extends object>(part: Part, own: Partial<Record<string, unknown>> = {}): T =>
    new Proxy(own, {
      get: (target, method) =>
        typeof method === 'string' && method in target
          ? target[method]
          : (input: unknown, next: (input: unknown) => unknown) =>
              traced?.[part]?.length
                ? callThrough(traced[part] as unknown as AnyInterceptor[], method as string, input, next)
                : next(input),
    }) as T;

  const internals: Partial<WorkflowInternalsInterceptor> = {
    activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
      // The first activation (of the run, and of every replay of it) starts with initializeWorkflow, which
      // holds the start's headers; signals and updates in it are handled before the workflow function.
      const first = input.activation.jobs?.[0]?.initializeWorkflow;
      if (first && traced === undefined && first.headers?.[TRACE_HEADER] !== undefined) {
        traced = loadOpenTelemetryInterceptors();
      }
      return callThrough((traced?.internals ?? []) as unknown as AnyInterceptor[], 'activate', input, (i) =>
        next(i as ActivateInput),
      ) as void;
    },
  };

  return {
    inbound: [gate('inbound')],
    outbound: [gate('outbound')],
    internals: [gate('internals', internals)],
  };
};
