/**
 * One WorkflowExecution, one trace (issue #15): the real watcher and worker PROCESSES, started with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP receiver in this test, run a WFE on the real stack, and
 * the spans they export form one tree — the watcher's span of the WFE → the workflow start → the workflow
 * → each of its activities → their Kubernetes (http) and PostgreSQL (pg) client spans — in one trace,
 * whose id the worker's log lines carry. Processes, not in-process objects: the instrumentations patch
 * modules through node's require, which jest's module registry bypasses.
 */
import { Worker } from '@temporalio/worker';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../src/demo/otlp-receiver';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { DROPPED_WORKFLOW_SPANS, WORKFLOW_TRACING_INTERCEPTORS } from '../../src/observability/tracing';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { eventually } from '../support/stack';
import { allCompleted, startWatcherProcess, type WatcherProcess } from '../watcher/support/watcher-env';
import {
  executionEnvWorker,
  startWorkerProcess,
  type WorkerProcess,
} from '../workflow-execution/support/worker-process';

// Both processes compile TypeScript at start, and the worker bundles the workflows (two shared cores).
jest.setTimeout(420_000);

const CLIENT = 3; // OTLP SpanKind

/** The activities a workflow ran, local ones included (from their markers), as the history records them. */
async function activitiesOf(env: ExecutionEnv, workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) return [scheduled];
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type] : [];
  });
}

describe('tracing across the watcher and the worker', () => {
  let env: ExecutionEnv;
  let receiver: OtlpReceiver;
  let worker: WorkerProcess | undefined;
  let watcher: WatcherProcess | undefined;
  const workerLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'tracing' });
    await env.stopWorker(); // the worker process below serves the environment's task queue instead
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await watcher?.stop('SIGKILL');
    await worker?.stop('SIGKILL');
    await receiver?.close();
    await env?.close();
  });

  it('makes one trace of a WorkflowExecution: watcher → workflow → activities → Kubernetes and PostgreSQL', async () => {
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' };
    worker = startWorkerProcess(
      {
        ...executionEnvWorker(env),
        // The SDK's per-activity lines are debug lines.
        KUBERNAUT_LOG_LEVEL: 'debug',
        ...otel,
      },
      {
        onLine: (line) => {
          if (line.startsWith('{')) workerLines.push(JSON.parse(line) as Record<string, unknown>);
        },
      },
    );
    await worker.running;
    watcher = startWatcherProcess(env, otel);
    await watcher.synced;

    const wfe: KubernetesObject = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    await allCompleted(env, [wfe.metadata.name], 180_000);
    const workflowId = workflowExecutionWorkflowId({
      namespace: env.namespace,
      name: wfe.metadata.name,
      uid: wfe.metadata.uid!,
    });
    const activities = await activitiesOf(env, workflowId);
    expect(activities).toEqual(expect.arrayContaining(['beginExecution', 'awaitPipelineRunOutcome']));

    // The watcher's span of this WFE (a root span), and the trace it started.
    const watcherSpan = await eventually(
      'the watcher span of the WFE',
      async () =>
        receiver
          .spans()
          .find(
            (s) =>
              s.name === 'watcher.handle WorkflowExecution' &&
              s.attributes['kubernaut.resource.uid'] === wfe.metadata.uid &&
              receiver.trace(s.traceId).some((t) => t.name.startsWith('StartWorkflow:')),
          ),
      60_000,
      250,
    );
    expect(watcherSpan).toMatchObject({ service: 'kubernaut-watcher', parentSpanId: undefined });
    expect(watcherSpan.attributes).toMatchObject({
      'k8s.namespace.name': env.namespace,
      'kubernaut.resource.name': wfe.metadata.name,
    });
    const traceId = watcherSpan.traceId;
    const expectedRunActivities = activities.map((a) => `RunActivity:${a}`);
    const trace = await eventually(
      'every activity of the workflow in the trace',
      async () => {
        const spans = receiver.trace(traceId);
        const names = spans.map((s) => s.name);
        return names.includes('RunWorkflow:workflowExecutionWorkflow') &&
          expectedRunActivities.every((n) => names.includes(n))
          ? spans
          : undefined;
      },
      60_000,
      250,
    );

    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const one = (name: string) => {
      const found = trace.filter((s) => s.name === name);
      expect([name, found.length]).toEqual([name, 1]);
      return found[0]!;
    };
    const ancestors = (s: ReceivedSpan) => {
      const chain: ReceivedSpan[] = [];
      for (let p = parentOf(s); p; p = parentOf(p)) chain.push(p);
      return chain;
    };

    // watcher → StartWorkflow (the watcher's client) → RunWorkflow (the worker's workflow).
    const start = one('StartWorkflow:workflowExecutionWorkflow');
    expect([start.service, parentOf(start)?.spanId]).toEqual(['kubernaut-watcher', watcherSpan.spanId]);
    const run = one('RunWorkflow:workflowExecutionWorkflow');
    expect([run.service, parentOf(run)?.spanId]).toEqual(['kubernaut-worker', start.spanId]);

    // → StartActivity (the workflow scheduling it) → RunActivity (the worker running it), for each activity.
    const runActivities = trace.filter((s) => s.name.startsWith('RunActivity:'));
    for (const name of expectedRunActivities) {
      const spans = runActivities.filter((s) => s.name === name);
      expect([name, spans.length > 0]).toEqual([name, true]);
      for (const s of spans) {
        const scheduled = parentOf(s);
        expect([name, scheduled?.name]).toEqual([name, name.replace('RunActivity:', 'StartActivity:')]);
        expect([name, ancestors(s).some((a) => a.spanId === run.spanId)]).toEqual([name, true]);
      }
    }

    // → the Kubernetes API requests (http client spans) and PostgreSQL queries (pg) the activities made.
    const inActivity = (s: ReceivedSpan) => ancestors(s).some((a) => a.name.startsWith('RunActivity:'));
    const kubernetes = trace.filter(
      (s) => s.kind === CLIENT && String(s.attributes['http.url'] ?? '').includes('/apis/') && inActivity(s),
    );
    const postgres = trace.filter((s) => s.name.startsWith('pg.query') && inActivity(s));
    expect(kubernetes.length).toBeGreaterThanOrEqual(1);
    expect(postgres.length).toBeGreaterThanOrEqual(1);
    expect(kubernetes.some((s) => s.attributes['http.url'] && s.attributes['http.method'] === 'POST')).toBe(true);
    expect(postgres.every((s) => s.service === 'kubernaut-worker')).toBe(true);
    // Logs: the watcher's "workflow started" line and the worker's activity lines carry the trace id.
    expect(watcher.logs().find((l) => l.msg === 'workflow started' && l.uid === wfe.metadata.uid)).toMatchObject({
      trace_id: traceId,
    });
    const activityLines = workerLines.filter((l) => l.trace_id === traceId && l.activityType !== undefined);
    expect(activityLines.map((l) => l.msg)).toContain('Activity completed');
    // Every such line's span is in the trace — once exported: the monitor this WFE started runs in its trace too,
    // and its assessment-start call may log after the snapshot above was taken.
    const missing = await eventually(
      "every traced activity line's span exported",
      async () => {
        const exported = new Set(receiver.trace(traceId).map((s) => s.spanId));
        const notYet = activityLines.filter((l) => !exported.has(String(l.span_id)));
        return notYet.length === 0 ? notYet : undefined;
      },
      30_000,
      250,
    ).catch(() =>
      activityLines.filter((l) => !new Set(receiver.trace(traceId).map((s) => s.spanId)).has(String(l.span_id))),
    );
    expect(missing.map((l) => `${String(l.activityType)}: ${String(l.msg)}`)).toEqual([]);

    // A traced history replays without nondeterminism with the worker's bundle (the gate, Temporal's
    // interceptors behind it), as after a cache eviction or on another worker.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    await expect(
      Worker.runReplayHistory(
        {
          workflowsPath: require.resolve('../../src/workflows'),
          interceptors: { workflowModules: [WORKFLOW_TRACING_INTERCEPTORS] },
          sinks: DROPPED_WORKFLOW_SPANS,
        },
        history,
        workflowId,
      ),
    ).resolves.toBeUndefined();
  });
});
