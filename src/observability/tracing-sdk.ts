/**
 * The OpenTelemetry SDK set-up behind tracing.ts, loaded only when tracing is on: a NodeTracerProvider
 * with one BatchSpanProcessor sending OTLP/HTTP protobuf (`OTEL_EXPORTER_OTLP_*`, `OTEL_BSP_*` and
 * `OTEL_TRACES_SAMPLER*` are read by the SDK itself), the http and pg instrumentations, and Temporal's
 * OpenTelemetry interceptors for the client, the activities and the workflows.
 *
 * Kept small on purpose (not `@opentelemetry/sdk-node`'s auto-instrumentation, which loads dozens of
 * instrumentations): the processes make only two kinds of calls worth a span, Kubernetes API requests
 * (`@kubernetes/client-node` sends them with node-fetch over node:https) and PostgreSQL queries (pg).
 * Both create spans only inside a span already open — a watcher work item, an activity — so the
 * informers' background LISTs and WATCHes and the /metrics scrapes do not start traces of their own.
 */
import * as api from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  Resource,
  detectResourcesSync,
  envDetectorSync,
  hostDetectorSync,
  processDetectorSync,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

export type SpanAttributes = api.Attributes;

/** What the worker and the watcher give Temporal when tracing is on. */
export interface TemporalTracing {
  /** For every Client: starts, signals, updates carry the active trace in their headers. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** For the worker: a span per activity (local ones too), child of the workflow's StartActivity span. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** For the worker: where the workflow interceptors send their spans (out of the workflow sandbox). */
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export interface Tracing {
  serviceName: string;
  endpoint: string;
  /** The process's span processor (flushed by shutdown). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Runs `fn` in a new span (a root span unless one is active), ending it when `fn` settles. */
  inSpan<T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>): Promise<T>;
  /** For pino's `mixin`: the active span's ids, as Temporal's interceptors name them in log attributes. */
  logFields(): Record<string, string>;
  temporal(): TemporalTracing;
  /** Exports what is buffered and stops; spans of the last second are lost without it. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = 'kubernaut-temporal';

function fieldsOf(spanContext: api.SpanContext | undefined): Record<string, string> {
  if (!spanContext || !api.isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`,
  };
}

/**
 * The SDK logs "Activity completed" and "Activity failed" after the activity's span has ended, so
 * Temporal's outbound interceptor finds no active span then: this one remembers the activity span (its
 * inbound part runs inside it) and gives those lines its ids too. "Activity started" comes before the span.
 */
const activitySpanInLogs: ActivityInterceptorsFactory = () => {
  let activitySpan: api.SpanContext | undefined;
  return {
    inbound: {
      execute(input, next) {
        activitySpan = api.trace.getActiveSpan()?.spanContext();
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next(input.trace_id === undefined ? { ...fieldsOf(activitySpan), ...input } : input);
      },
    },
  };
};

export function installTracing(settings: { serviceName: string; endpoint: string }): Tracing {
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (envDetector) win over the process's default name.
  const resource = new Resource({ [ATTR_SERVICE_NAME]: settings.serviceName }).merge(
    detectResourcesSync({ detectors: [hostDetectorSync, processDetectorSync, envDetectorSync] }),
  );
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The global provider, AsyncLocalStorage context and W3C trace-context propagation Temporal's headers use.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: () => true, // /metrics, /healthz, /readyz
        requireParentforOutgoingSpans: true,
      }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  const tracer = provider.getTracer(TRACER_NAME);

  let temporal: TemporalTracing | undefined;
  return {
    ...settings,
    spanProcessor,
    resource,
    inSpan(name, attributes, fn) {
      return tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await fn();
        } catch (err) {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    logFields: () => fieldsOf(api.trace.getActiveSpan()?.spanContext()),
    temporal() {
      temporal ??= {
        clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor()],
        activityInterceptors: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
          activitySpanInLogs,
        ],
        sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
      };
      return temporal;
    },
    shutdown: () => provider.shutdown(),
  };
}
