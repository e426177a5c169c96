/**
 * The effectiveness workflows on the real Temporal dev server and PostgreSQL (local stack): a terminal
 * remediation is assessed exactly once, from the history stored in the Data Storage.
 */
import crypto from 'node:crypto';
import { WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { STARTED_BY_MEMO, createAssessmentStartActivities } from '../../src/activities/assessment-starts';
import { createEffectivenessActivities } from '../../src/activities/effectiveness';
import { scoreEffectiveness } from '../../src/domain/effectiveness/scoring';
import { EffectivenessMonitorStatus } from '../../src/workflows/effectiveness-monitor';
import { EffectivenessAssessmentResult } from '../../src/workflows/effectiveness-assessment';
import { SEARCH_ATTRIBUTES, effectivenessAssessmentWorkflowId } from '../../src/domain/names';
import { RemediationTerminal } from '../../src/domain/effectiveness/remediation-terminal';
import { eventually, uniqueName } from '../support/stack';
import {
  EffectivenessTestEnv,
  RunningWorker,
  createEffectivenessTestEnv,
  terminalRemediation,
} from './support/effectiveness-env';
import { seedActionHistory } from './support/seed';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

let env: EffectivenessTestEnv;
let worker: RunningWorker;

beforeAll(async () => {
  env = await createEffectivenessTestEnv('effectiveness');
  worker = await env.startWorker('worker-1');
});
afterEach(() => env?.resetMonitor());
afterAll(() => env?.close());

function newTarget(): { target: string; actionType: string } {
  return {
    target: `${uniqueName('shop')}/Deployment/web`,
    actionType: `kubernetes/restart_pod-${crypto.randomBytes(3).toString('hex')}`,
  };
}

function storedAssessment(r: RemediationTerminal) {
  return eventually(
    `assessment of ${r.remediation.id}`,
    async () => (await env.dataStorage.getAssessment(r.remediation.id)) ?? undefined,
  );
}

function assessmentHandle(r: RemediationTerminal) {
  return env.client.workflow.getHandle<() => Promise<EffectivenessAssessmentResult>>(
    effectivenessAssessmentWorkflowId(r.remediation),
  );
}

function monitorStatus(): Promise<EffectivenessMonitorStatus> {
  return env.client.workflow.getHandle(env.monitorId).query<EffectivenessMonitorStatus>('status');
}

async function assessmentRuns(r: RemediationTerminal): Promise<number> {
  let runs = 0;
  const id = effectivenessAssessmentWorkflowId(r.remediation);
  for await (const _ of env.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs += 1;
  return runs;
}

describe('effectivenessAssessmentWorkflow', () => {
  it('stores one assessment scored from the 90-day history of the action type', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    await seedActionHistory(env.dataStorage, {
      target,
      actionType,
      actions: [
        // The remediation's own step, recorded by its WorkflowExecution before it signalled.
        { status: 'succeeded', ageMs: 10 * 60 * 1000, remediationId: r.remediation.id },
        // Newest five verdicts (the own step included): all succeeded.
        ...[2, 3, 4, 5].map((d) => ({ status: 'succeeded' as const, ageMs: d * DAY })),
        // The five before: 2 of 5 succeeded, so the trend is improving.
        ...[6, 7, 8].map((d) => ({ status: 'failed' as const, ageMs: d * DAY })),
        ...[9, 10].map((d) => ({ status: 'succeeded' as const, ageMs: d * DAY })),
        // Older history: 10 weeks of data (confidence 0.8); a cancelled step is no verdict.
        { status: 'cancelled', ageMs: 3 * DAY },
        { status: 'succeeded', ageMs: 30 * DAY },
        { status: 'succeeded', ageMs: 10 * WEEK },
      ],
    });

    await env.signal(r, { stabilizationWindowMs: 0 });

    const stored = await storedAssessment(r);
    expect(stored).toMatchObject({
      remediationId: r.remediation.id,
      target,
      actionTypes: [actionType],
      status: 'assessed',
      score: 9 / 12,
      confidence: 0.8,
      trend: 'improving',
      sampleSize: 12,
      recurrence: [],
    });
    const result = await assessmentHandle(r).result();
    expect(result.created).toBe(true);
    expect(result.assessment).toMatchObject({ score: stored.score, status: stored.status });
  });

  it('marks the third remediation of a target within 24h ineffective_loop', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    await seedActionHistory(env.dataStorage, {
      target,
      actionType,
      actions: [
        { status: 'succeeded', ageMs: 1 * HOUR, remediationId: r.remediation.id },
        { status: 'succeeded', ageMs: 3 * HOUR },
        { status: 'succeeded', ageMs: 6 * HOUR },
      ],
    });

    await env.signal(r, { stabilizationWindowMs: 0 });

    expect(await storedAssessment(r)).toMatchObject({
      status: 'ineffective_loop',
      score: 1,
      recurrence: [{ actionType, remediations: 3 }],
    });
  });

  it('reads the action types from the action records when the signal has none (the watcher’s signal)', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [], { workflowExecution: undefined });
    await seedActionHistory(env.dataStorage, {
      target,
      actionType,
      actions: [{ status: 'failed', ageMs: 20 * 60 * 1000, remediationId: r.remediation.id }],
    });

    await env.signal(r, { stabilizationWindowMs: 0 });

    expect(await storedAssessment(r)).toMatchObject({
      actionTypes: [actionType],
      score: 0,
      status: 'insufficient_data',
    });
  });

  it('tells the Web UI which remediation it assesses, and its score and status', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    await seedActionHistory(env.dataStorage, {
      target,
      actionType,
      actions: [{ status: 'succeeded', ageMs: 60_000, remediationId: r.remediation.id }],
    });
    await env.signal(r, { stabilizationWindowMs: 0 });
    const stored = await storedAssessment(r);
    await assessmentHandle(r).result();

    const description: WorkflowExecutionDescription = await assessmentHandle(r).describe();
    expect(await description.staticSummary()).toContain(`${r.remediation.namespace}/${r.remediation.name}`);
    expect(description.typedSearchAttributes.get({ name: SEARCH_ATTRIBUTES.remediation.name, type: 'KEYWORD' })).toBe(
      r.remediation.id,
    );
    expect(description.typedSearchAttributes.get({ name: SEARCH_ATTRIBUTES.target.name, type: 'KEYWORD' })).toBe(
      target,
    );
    // Current details are what the UI's "Current Details" panel shows; on a closed workflow the query replays it.
    const metadata = await assessmentHandle(r).query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(stored.score).toBe(1);
    expect(metadata.currentDetails).toContain('score **1.00**');
    expect(metadata.currentDetails).toContain(`status **${stored.status}**`);
  });
});

describe('effectivenessMonitorWorkflow', () => {
  it('assesses a remediation signalled three times (once after continue-as-new) exactly once', async () => {
    const { target, actionType } = newTarget();
    const a = terminalRemediation(target, [actionType]);
    const b = terminalRemediation(target, [actionType]);
    // Continue-as-new after every 2 signals; remember 1 remediation id, so the memory can forget.
    const monitor = { stabilizationWindowMs: 0, continueAsNewAfterSignals: 2, dedupeCapacity: 1 };

    await env.signal(a, monitor);
    const first = await storedAssessment(a);
    await env.signal(a, monitor); // duplicate in the same run; the 2nd signal continues the monitor as new
    await eventually('monitor run 2', async () => ((await monitorStatus()).run === 2 ? true : undefined));
    await env.signal(a, monitor); // duplicate caught by the memory carried into run 2
    await env.signal(b, monitor); // a new remediation: the memory (capacity 1) now forgets a
    await eventually('monitor run 3', async () => ((await monitorStatus()).run === 3 ? true : undefined));
    await env.signal(a, monitor); // forgotten by the memory: the child id itself refuses a second run

    const status = await eventually('all five signals handled', async () => {
      const s = await monitorStatus();
      return s.totals.received === 5 && s.queued === 0 && s.starting === 0 ? s : undefined;
    });
    expect(status.totals).toEqual({
      received: 5,
      duplicates: 2,
      rejected: 0,
      started: 2,
      alreadyStarted: 1,
      windowDisagreements: 0,
    });
    await storedAssessment(b);
    expect(await env.dataStorage.getAssessment(a.remediation.id)).toEqual(first);
    expect(
      await eventually('a listed', async () => ((await assessmentRuns(a)) > 0 ? assessmentRuns(a) : undefined)),
    ).toBe(1);
  });

  it('starts assessments with a start delay, not as children: one local activity per batch, nothing to follow', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    const { runId } = await env.signal(r, { stabilizationWindowMs: 500 });
    await storedAssessment(r);

    const monitorEvents = (await env.client.workflow.getHandle(env.monitorId, runId).fetchHistory()).events ?? [];
    expect(monitorEvents.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toHaveLength(0);
    expect(monitorEvents.filter(isLocalActivityMarker)).toHaveLength(1);
    // The monitor's work for this remediation is one workflow task (the signal's); the assessment's end adds none.
    await assessmentHandle(r).result();
    const afterEnd = (await env.client.workflow.getHandle(env.monitorId, runId).fetchHistory()).events ?? [];
    expect(afterEnd.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(await monitorStatus()).toMatchObject({ running: 0, starting: 0, totals: { started: 1 } });

    // No parent link in the Web UI: the assessment's details name the monitor instead.
    const description = await assessmentHandle(r).describe();
    expect(description.raw.workflowExecutionInfo?.parentExecution).toBeFalsy();
    expect(await description.staticDetails()).toContain(`**Started by** \`${env.monitorId}\``);
    expect(await description.staticDetails()).toContain('500 ms, waited by Temporal before the first workflow task');
  });

  it('ignores a malformed signal and keeps serving the others', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    await env.signal(r, { stabilizationWindowMs: 0 });
    await env.client.workflow.getHandle(env.monitorId).signal('remediationTerminal', { ...r, phase: 'Executing' });
    const other = terminalRemediation(target, [actionType]);
    await env.signal(other, { stabilizationWindowMs: 0 });

    await storedAssessment(other);
    expect((await monitorStatus()).totals).toMatchObject({ received: 3, rejected: 1, started: 2 });
  });

  it('records a remediation with no action record but skipped ones as no_execution, telling the Web UI why', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    // Its WorkflowExecution was refused before its PipelineRun: the step was recorded skipped, never run.
    await seedActionHistory(env.dataStorage, {
      target,
      actionType,
      actions: [
        { status: 'skipped', ageMs: 60_000, remediationId: r.remediation.id },
        { status: 'succeeded', ageMs: 2 * HOUR },
      ],
    });
    await env.signal(r, { stabilizationWindowMs: 0 });

    expect(await storedAssessment(r)).toMatchObject({ status: 'no_execution', score: null, confidence: null });
    const metadata = await assessmentHandle(r).query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('status **no_execution**: it executed no action');
  });

  it('completes an assessment whose stabilization wait spans a worker restart', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    await env.signal(r, { stabilizationWindowMs: 5_000 });

    // Temporal holds the assessment's first workflow task back for the window (its start delay)…
    const started = await eventually('assessment started with a start delay', async () => {
      const history = await assessmentHandle(r)
        .fetchHistory()
        .catch(() => undefined);
      return history?.events?.[0]?.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff
        ? history
        : undefined;
    });
    expect(
      Number(started.events?.[0]?.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff?.seconds),
    ).toBe(5);
    // …when its worker goes away, and another one (a fresh process would be the same: no cached state) takes over.
    await worker.stop();
    worker = await env.startWorker('worker-2');

    const stored = await storedAssessment(r);
    expect(stored.remediationId).toBe(r.remediation.id);
    await assessmentHandle(r).result();
    const events = (await assessmentHandle(r).fetchHistory()).events ?? [];
    // No timer: the wait was the server's. Both Data Storage calls ran on worker-2, in its workflow task.
    expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);
    expect(events.filter(isLocalActivityMarker)).toHaveLength(2);
    const identities = events.map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter(Boolean);
    expect(identities.length).toBeGreaterThan(0);
    expect(new Set(identities)).toEqual(new Set(['worker-2']));
  });

  it('runs after its window in one workflow task: no timer, no activity task, no extra round trip', async () => {
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    const signalledAt = Date.now();
    await env.signal(r, { stabilizationWindowMs: 1_000 });
    await storedAssessment(r);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1_000);
    await assessmentHandle(r).result();

    const events = (await assessmentHandle(r).fetchHistory()).events ?? [];
    const backoff = events[0]?.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff;
    expect(Number(backoff?.seconds)).toBe(1);
    expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    expect(events.filter(isLocalActivityMarker)).toHaveLength(2);
    // One workflow task does it all (two, were a call slow enough for the SDK to heartbeat the task): before,
    // a task to start the timer, and before that two activity tasks and two workflow tasks more.
    const workflowTasks = events.filter((e) => e.workflowTaskCompletedEventAttributes).length;
    expect(workflowTasks).toBeGreaterThanOrEqual(1);
    expect(workflowTasks).toBeLessThanOrEqual(2);
  });
});

/** A local activity's result in a history (the SDK records one marker per completed local activity). */
function isLocalActivityMarker(e: { markerRecordedEventAttributes?: { markerName?: string | null } | null }): boolean {
  return e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
}

describe('createAssessmentStartActivities', () => {
  it('starts an assessment delayed by its window, once; a call made again counts its own start as started', async () => {
    const { startEffectivenessAssessments } = createAssessmentStartActivities({ temporalClient: env.client });
    const { target, actionType } = newTarget();
    const r = terminalRemediation(target, [actionType]);
    const request = {
      remediation: r,
      stabilizationWindowMs: 60_000,
      taskQueue: `${env.taskQueue}-idle`, // no worker: the assessment only needs to exist
      startedBy: { workflowId: 'effectiveness-monitor/0', call: 'run-a/1' },
    };

    expect(await startEffectivenessAssessments([request])).toEqual(['started']);
    // The same call again (retried, or its workflow task run again): its own start.
    expect(await startEffectivenessAssessments([request])).toEqual(['started']);
    // Any other call — a later batch of the same run (its memory forgot the remediation), another run or shard —
    // reporting the remediation: a duplicate.
    for (const call of ['run-a/2', 'run-b/1']) {
      const again = { ...request, startedBy: { ...request.startedBy, call } };
      expect(await startEffectivenessAssessments([again])).toEqual(['alreadyStarted']);
    }

    const description = await assessmentHandle(r).describe();
    expect(description.memo).toEqual({ [STARTED_BY_MEMO]: 'run-a/1' });
    const started = (await assessmentHandle(r).fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(Number(started?.firstWorkflowTaskBackoff?.seconds)).toBe(60);
    await assessmentHandle(r).terminate('test done');
  });
});

describe('createEffectivenessActivities', () => {
  it('turns an assessment the Data Storage rejects into a non-retryable failure', async () => {
    const { persistEffectivenessAssessment } = createEffectivenessActivities({ dataStorage: env.dataStorage });
    const assessment = scoreEffectiveness({
      remediationId: 'prod/rr-bad',
      target: 'prod/Deployment/web',
      actionTypes: ['kubernetes/restart_pod'],
      assessedAt: new Date().toISOString(),
      combined: { succeeded: 1, failed: 0, oldestRecordAt: null, latestOutcomes: [] },
      byActionType: {},
      recentRemediationsByActionType: {},
    });

    if (assessment.score === null) throw new Error('scored inputs must give a score');
    const failure = await persistEffectivenessAssessment({ ...assessment, score: 2 }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'DataStorageRejected' });
    expect((failure as Error).message).toContain('score');
  });
});
