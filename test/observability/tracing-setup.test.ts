/**
 * How a process starts tracing (src/observability/tracing.ts), checked in real node processes: the
 * instrumentations patch modules through node's `require`, which jest's module registry bypasses. Each
 * probe loads a process's tracing module first, as src/workers/main.ts and src/watcher/main.ts do, then
 * pg and node:https, and reports what got loaded and patched.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/demo/otlp-receiver';
import { TracingConfigurationError, tracingSettings } from '../../src/observability/tracing';

const REPO = path.resolve(__dirname, '..', '..');
const TSX_HOOK = path.join(REPO, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');

// What the probe does: first the worker's tracing module, then what the worker loads after it.
const PROBE = `
const { tracing } = require('./src/observability/tracing-worker');
const pg = require('pg');
const https = require('node:https');
const http = require('node:http');
const pino = require('pino');
const report = (extra) => console.log(JSON.stringify({
  tracing: tracing ? { serviceName: tracing.serviceName, endpoint: tracing.endpoint } : null,
  openTelemetryModules: Object.keys(require.cache).filter((f) => /opentelemetry/.test(f)).length,
  pgPatched: Boolean(pg.Client.prototype.query.__wrapped),
  httpsPatched: Boolean(https.request.__wrapped),
  ...extra,
}));
(async () => {
  if (!tracing) return report({});
  const lines = [];
  const logger = pino({ mixin: tracing.logFields }, { write: (l) => lines.push(JSON.parse(l)) });
  logger.info('outside any span');
  await tracing.inSpan('probe', { 'probe.attribute': 'yes' }, async () => {
    logger.info('inside the probe span');
    await new Promise((resolve, reject) =>
      http.get(process.env.PROBE_URL, (res) => res.resume().on('end', resolve)).on('error', reject));
  });
  // Outside any span: not traced (the instrumentation requires a parent span).
  await new Promise((resolve, reject) =>
    http.get(process.env.PROBE_URL, (res) => res.resume().on('end', resolve)).on('error', reject));
  await tracing.shutdown();
  report({ lines });
})().catch((err) => { console.error(err); process.exit(1); });
`;

interface ProbeReport {
  tracing: { serviceName: string; endpoint: string } | null;
  openTelemetryModules: number;
  pgPatched: boolean;
  httpsPatched: boolean;
  lines?: Record<string, unknown>[];
}

function probe(env: Record<string, string>): Promise<{ code: number | null; report?: ProbeReport; output: string }> {
  const child = spawn(process.execPath, ['--require', TSX_HOOK, '-e', PROBE], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      const last = output.trim().split('\n').pop() ?? '';
      let report: ProbeReport | undefined;
      try {
        report = JSON.parse(last) as ProbeReport;
      } catch {
        report = undefined;
      }
      resolve({ code, report, output });
    }),
  );
}

jest.setTimeout(120_000);

describe('tracing settings', () => {
  const settings = (env: Record<string, string>) => tracingSettings('kubernaut-worker', env);

  it('are off without an OTLP endpoint, and with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none', () => {
    expect(settings({})).toEqual({ enabled: false, reason: 'no OTEL_EXPORTER_OTLP_ENDPOINT' });
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(settings({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(settings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
  });

  it('take either endpoint variable, and OTEL_SERVICE_NAME over the process default', () => {
    expect(settings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toEqual({
      enabled: true,
      serviceName: 'kubernaut-worker',
      endpoint: 'http://c:4318/v1/traces',
    });
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SERVICE_NAME: 'w-eu1' })).toMatchObject({
      serviceName: 'w-eu1',
    });
  });

  it('refuse what is not shipped (gRPC, JSON, other exporters) rather than export nothing', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' };
    expect(() => settings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(TracingConfigurationError);
    expect(() => settings({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toThrow(
      /only http\/protobuf/,
    );
    expect(() => settings({ ...endpoint, OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/only otlp/);
    expect(settings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).enabled).toBe(true);
  });
});

describe('a process started with its tracing module first', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('without OTEL_* loads no OpenTelemetry module and patches nothing', async () => {
    const { code, report, output } = await probe({});
    expect([code, output]).toEqual([0, expect.any(String)]);
    expect(report).toEqual({ tracing: null, openTelemetryModules: 0, pgPatched: false, httpsPatched: false });
  });

  it('with OTEL_SDK_DISABLED=true does the same even with an endpoint', async () => {
    const { report } = await probe({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SDK_DISABLED: 'true' });
    expect(report).toMatchObject({ tracing: null, openTelemetryModules: 0, pgPatched: false });
  });

  it('exits with the reason on a protocol it cannot export with', async () => {
    const { code, output } = await probe({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(code).toBe(1);
    expect(output).toContain('OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf is supported, got grpc');
  });

  it('with an endpoint patches pg and https before they load, exports spans and logs their ids', async () => {
    const { code, report, output } = await probe({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      PROBE_URL: `${receiver.endpoint}/probe`,
    });
    expect([code, report?.tracing]).toEqual([0, { serviceName: 'kubernaut-worker', endpoint: receiver.endpoint }]);
    expect(report).toMatchObject({ pgPatched: true, httpsPatched: true });

    const probeSpan = receiver.spans().find((s) => s.name === 'probe');
    expect(probeSpan).toMatchObject({ service: 'kubernaut-worker', attributes: { 'probe.attribute': 'yes' } });
    const trace = receiver.trace(probeSpan!.traceId);
    // The request inside the span is its child (an http client span); the one outside made no trace.
    expect(trace.map((s) => [s.name, s.kind, s.parentSpanId === probeSpan!.spanId])).toEqual(
      expect.arrayContaining([['GET', 3, true]]),
    );
    expect(receiver.spans().filter((s) => s.name === 'GET')).toHaveLength(1);

    const lines = report?.lines ?? [];
    expect(lines.find((l) => l.msg === 'outside any span')).not.toHaveProperty('trace_id');
    expect(lines.find((l) => l.msg === 'inside the probe span')).toMatchObject({
      trace_id: probeSpan!.traceId,
      span_id: probeSpan!.spanId,
      trace_flags: '01',
    });
    expect(output).not.toMatch(/error/i);
  });
});
