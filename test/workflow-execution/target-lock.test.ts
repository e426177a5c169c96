/**
 * One remediation at a time per target (issue #12), the way users meet it: WorkflowExecutions created in the
 * API server and started by the watcher, real Tekton running their PipelineRuns, the real kubectl and the
 * Temporal CLI as the operator's tools. What each test checks is in its name; the overlap checks read the
 * PipelineRuns' own start and completion times as Tekton wrote them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import { targetLockWorkflowId } from '../../src/domain/target-lock';
import { requestTargetLock } from '../../src/temporal-client/target-lock';
import { releaseTargetSignal, targetLockStateQuery } from '../../src/workflows/target-lock-contract';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { ensureTools } from '../../src/stack/tools';
import { createExecutionEnv, FAST_OPTIONS, type ExecutionEnv } from '../support/execution-env';
import { kubectl, kubectlEvents } from '../support/kubectl';
import { eventually, getStackInfo } from '../support/stack';
import { startInProcessWatcher, type InProcessWatcher } from '../watcher/support/watcher-env';

jest.setTimeout(300_000);

const run = promisify(execFile);

interface Interval {
  wfe: string;
  start: number;
  end: number;
}

describe('per-target lock', () => {
  let env: ExecutionEnv;
  let watcher: InProcessWatcher;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'lock', stepDurationMs: 500 });
    watcher = await startInProcessWatcher(env, { workflowOptions: FAST_OPTIONS });
  });
  afterAll(async () => {
    await watcher?.stop();
    await env?.close();
  });

  const statusOf = async (wfe: KubernetesObject) =>
    (await env.getWorkflowExecution(env.namespace, wfe.metadata.name))?.status as WorkflowExecutionStatus | undefined;

  /** Creates WFEs one after the other (creation order = array order), each one step on `target`. */
  async function createOn(target: string, count: number, extra: { cooldown?: string; stepMs?: number } = {}) {
    const created: KubernetesObject[] = [];
    for (let i = 0; i < count; i++) {
      created.push(
        await env.createWorkflowExecution({
          target,
          ...(extra.cooldown && { cooldown: extra.cooldown }),
          steps: [
            {
              name: 'scale',
              actionType: 'kubernetes/scale_deployment',
              inputs: { replicas: i + 1, ...(extra.stepMs && { simulate: { durationMs: extra.stepMs } }) },
            },
          ],
        }),
      );
    }
    return created;
  }

  /** Waits until the WFE holds its target: who reaches a free target first takes it, so tests about a queue let one hold it first. */
  async function waitHolding(wfe: KubernetesObject): Promise<void> {
    await eventually(
      `${wfe.metadata.name} to hold its target`,
      async () => ((await statusOf(wfe))?.targetLock?.acquiredAt ? true : undefined),
      120_000,
    );
  }

  async function waitTerminal(wfes: KubernetesObject[], timeoutMs = 240_000): Promise<WorkflowExecutionStatus[]> {
    try {
      return await eventually(
        `${wfes.length} WorkflowExecutions to end`,
        async () => {
          const statuses = await Promise.all(wfes.map(statusOf));
          return statuses.every((s) => s?.phase === 'Completed' || s?.phase === 'Failed')
            ? (statuses as WorkflowExecutionStatus[])
            : undefined;
        },
        timeoutMs,
        250,
      );
    } catch (err) {
      // What each WFE and its target's lock said when the wait gave up: the next person starts from here.
      const statuses = await Promise.all(wfes.map((w) => statusOf(w).catch((e: unknown) => String(e))));
      const targets = [...new Set(wfes.map((w) => (w.spec as { targetResource: string }).targetResource))];
      const locks = await Promise.all(
        targets.map((t) =>
          env.client.workflow
            .getHandle(targetLockWorkflowId(t))
            .query(targetLockStateQuery)
            .catch((e: unknown) => String(e)),
        ),
      );
      console.log(JSON.stringify({ waitTerminal: 'timed out', statuses, locks }, null, 1));
      throw err;
    }
  }

  /** When each WFE's PipelineRun ran, by Tekton's own times (second precision). */
  async function pipelineRunIntervals(wfes: KubernetesObject[]): Promise<Interval[]> {
    const prs = await env.listPipelineRuns(env.namespace);
    return wfes.map((wfe) => {
      const owned = prs.filter((pr) => pr.metadata.ownerReferences?.some((o) => o.uid === wfe.metadata.uid));
      expect(owned).toHaveLength(1);
      const status = owned[0].status as { startTime: string; completionTime: string };
      return { wfe: wfe.metadata.name, start: Date.parse(status.startTime), end: Date.parse(status.completionTime) };
    });
  }

  /** The target's lock workflow, and the types of the events in its history so far. */
  function lockOf(target: string) {
    const handle = env.client.workflow.getHandle(targetLockWorkflowId(target));
    const eventTypes = async () =>
      ((await handle.fetchHistory()).events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType!]);
    return { handle, eventTypes };
  }

  /** Polls the WFEs' statuses, keeping every (reason, position) each of them showed while it waited. */
  function recordWaiting(wfes: KubernetesObject[]) {
    const seen = new Map<string, string[]>(wfes.map((w) => [w.metadata.name, []]));
    let stopped = false;
    const polling = (async () => {
      while (!stopped) {
        for (const wfe of wfes) {
          const lock = (await statusOf(wfe).catch(() => undefined))?.targetLock;
          const entry = lock?.reason ? `${lock.reason}#${lock.position}` : undefined;
          const list = seen.get(wfe.metadata.name)!;
          if (entry && list[list.length - 1] !== entry) list.push(entry);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    return {
      seen,
      async stop() {
        stopped = true;
        await polling;
      },
    };
  }

  it('runs WFEs on one target one at a time: four created at once behind a running one go in creation order, each showing its place (kubectl, Web UI), with gaps of at least the cooldown', async () => {
    const target = `${env.namespace}/Deployment/serial`;
    // The first takes the free target at once (whoever reaches a free target first takes it); the four
    // created together behind it queue in creation order.
    const [first] = await createOn(target, 1, { cooldown: '5s' });
    await waitHolding(first);
    const wfes = [first, ...(await createOn(target, 4, { cooldown: '5s' }))];
    const recorder = recordWaiting(wfes);
    try {
      await eventually(
        'the last WFE to wait at position 4',
        async () => ((await statusOf(wfes[4]))?.targetLock?.position === 4 ? true : undefined),
        120_000,
      );
      const table = await kubectl(['get', 'wfe', '-n', env.namespace, wfes[4].metadata.name]);
      expect(table.split('\n')[0]).toMatch(/PHASE\s+TARGET\s+STEPS\s+WAITING\s+QUEUE\s+REASON\s+AGE/);
      expect(table.split('\n')[1]).toMatch(
        new RegExp(`Pending\\s+${target}\\s+0/1\\s+(TargetBusy|CooldownActive)\\s+4\\s`),
      );
      const workflowId = workflowExecutionWorkflowId({
        namespace: env.namespace,
        name: wfes[4].metadata.name,
        uid: wfes[4].metadata.uid!,
      });
      const metadata = (await env.client.workflow.getHandle(workflowId).query('__temporal_workflow_metadata')) as {
        currentDetails?: string;
      };
      expect(metadata.currentDetails).toMatch(
        /Waiting for the target \((TargetBusy|CooldownActive)\): position 4 of 4/,
      );

      const statuses = await waitTerminal(wfes);
      expect(statuses.map((s) => s.phase)).toEqual(Array(5).fill('Completed'));
    } finally {
      await recorder.stop();
    }

    const runs = await pipelineRunIntervals(wfes);
    for (let i = 1; i < runs.length; i++) {
      // In creation order, never overlapping, and the target rested 5 s (from the completion) between them.
      expect(runs[i].start - runs[i - 1].end).toBeGreaterThanOrEqual(5_000);
    }
    // Every waiter showed its place in creation order and moved up to the head; the cooldown was shown while it
    // ran (a waiter whose predecessor took the whole cooldown to finish its records may never see it). The watcher
    // starts the four workflows in any order, so a waiter that reached the lock before an older one first shows a
    // place ahead of its own, and steps back when the older one arrives; it is never shown behind a younger one.
    for (let k = 1; k < wfes.length; k++) {
      const seen = recorder.seen.get(wfes[k].metadata.name)!;
      const positions = seen.map((s) => Number(s.split('#')[1]));
      expect(seen.every((s) => /^(TargetBusy|CooldownActive)#\d+$/.test(s))).toBe(true);
      expect(positions).toContain(k);
      expect(Math.max(...positions)).toBe(k);
      expect(positions[positions.length - 1]).toBe(1);
    }
    expect([...recorder.seen.values()].flat().some((s) => s.startsWith('CooldownActive#'))).toBe(true);
    // The wait is recorded apart from the execution: startTime is the PipelineRun's, after the target was acquired.
    const finals = await Promise.all(wfes.map(statusOf));
    expect(finals[0]!.targetLock).toMatchObject({ waited: '0s' });
    for (const s of finals.slice(1)) {
      expect(s!.targetLock!.reason).toBeUndefined();
      expect(Date.parse(s!.startTime!)).toBeGreaterThanOrEqual(Date.parse(s!.targetLock!.acquiredAt!));
      expect(Date.parse(s!.targetLock!.acquiredAt!) - Date.parse(s!.targetLock!.requestedAt!)).toBeGreaterThan(0);
      expect(s!.conditions?.find((c) => c.type === 'TargetAcquired')?.status).toBe('True');
    }
  });

  it('keeps the lock of a quiet target dormant while its holder runs (no workflow task), then enforces the cooldown after the release', async () => {
    const target = `${env.namespace}/Deployment/dormant`;
    const { handle: lock, eventTypes } = lockOf(target);
    const [holder] = await createOn(target, 1, { cooldown: '30m', stepMs: 4_000 });
    await eventually(
      'the holder to run',
      async () => ((await statusOf(holder))?.phase === 'Running' ? true : undefined),
      120_000,
    );
    // Started already held by the holder, delayed until the holder's deadline: nothing ran in between.
    expect(await eventTypes()).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED']);
    const started = (await lock.fetchHistory()).events![0].workflowExecutionStartedEventAttributes!;
    expect(Number(started.firstWorkflowTaskBackoff?.seconds)).toBeGreaterThan(60);
    const described = await lock.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(await described.staticDetails()).toContain(holder.metadata.name);

    const [done] = await waitTerminal([holder]);
    expect(done.phase).toBe('Completed');
    // The release woke it (signal-with-start): it now rests for the holder's cooldown, on a timer.
    await eventually(
      'the released lock to start the cooldown',
      async () => ((await eventTypes()).includes('EVENT_TYPE_TIMER_STARTED') ? true : undefined),
      60_000,
    );
    const types = await eventTypes();
    expect(types.slice(0, 3)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
    ]);
    const late = await env.createWorkflowExecution({
      target,
      timeout: '5s',
      steps: [{ name: 'scale', actionType: 'kubernetes/scale_deployment' }],
    });
    const [failed] = await waitTerminal([late], 120_000);
    expect(failed.failureDetails).toMatchObject({ reason: 'TargetWaitTimeout' });
    expect(failed.targetLock).toMatchObject({
      reason: 'CooldownActive',
      cooldownAfter: `${env.namespace}/${holder.metadata.name}`,
    });
    await lock.terminate('test done: skip the 30 minutes of cooldown');
  });

  it('keeps a plain release signal (a worker of the release before) in a dormant lock, acted on when the next WFE asks: its cooldown holds', async () => {
    const target = `${env.namespace}/Deployment/plain-release`;
    const { handle: lock, eventTypes } = lockOf(target);
    const ask = (requester: string) =>
      requestTargetLock(
        env.client,
        target,
        { requester, workflowExecution: `${env.namespace}/${requester}`, startedAt: Date.now(), cooldownMs: 600_000 },
        { taskQueue: env.taskQueue, dormantUntil: Date.now() + 3_600_000 },
      );
    expect(await ask('old-worker-holder')).toMatchObject({ granted: true });
    const completedAt = Date.now();
    await lock.signal(releaseTargetSignal, { requester: 'old-worker-holder', completedAt, ran: true });
    // A plain signal schedules no workflow task of a delayed workflow (it would be in the history by now).
    expect(await eventTypes()).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
    ]);
    // The next request wakes it; the release is applied first, so the target rests after the holder's completion.
    expect(await ask('next-holder')).toMatchObject({
      granted: false,
      reason: 'CooldownActive',
      cooldownEndsAt: new Date(completedAt + 600_000).toISOString(),
      cooldownAfter: `${env.namespace}/old-worker-holder`,
    });
    await lock.terminate('test done');
  });

  it('runs 20 WFEs on 5 targets serially per target and concurrently across targets', async () => {
    const targets = [0, 1, 2, 3, 4].map((i) => `${env.namespace}/Deployment/fleet-${i}`);
    const wfes: KubernetesObject[] = [];
    const targetOf = new Map<string, string>();
    for (let round = 0; round < 4; round++) {
      for (const target of targets) {
        const [wfe] = await createOn(target, 1, { stepMs: 1_000 });
        wfes.push(wfe);
        targetOf.set(wfe.metadata.name, target);
      }
    }
    const statuses = await waitTerminal(wfes, 280_000);
    // Each one that did not complete, with why (an empty list when all did).
    expect(
      statuses.flatMap((s, i) =>
        s.phase === 'Completed' ? [] : [{ wfe: wfes[i].metadata.name, phase: s.phase, reason: s.failureDetails }],
      ),
    ).toEqual([]);

    const runs = await pipelineRunIntervals(wfes);
    for (const target of targets) {
      const own = runs.filter((r) => targetOf.get(r.wfe) === target).sort((a, b) => a.start - b.start);
      expect(own).toHaveLength(4);
      for (let i = 1; i < own.length; i++) expect(own[i].start).toBeGreaterThanOrEqual(own[i - 1].end);
    }
    // Across targets nothing waited: a WFE that queued (its WaitingForTarget Event) queued for its own target,
    // behind a WFE of that target. (Not "the first created never queued": the watcher may start a younger WFE's
    // workflow first, and then the older one waits for it. A ratio of wall time to the runs' sum, asserted
    // before, measured the machine's speed.)
    const waits: { wfe: string; note?: string; target?: string; holder?: string }[] = [];
    for (const wfe of wfes) {
      const events = await kubectlEvents(env.namespace, `regarding.uid=${wfe.metadata.uid}`);
      expect(events.map((e) => e.reason)).toContain('PipelineRunCreated');
      for (const { note } of events.filter((e) => e.reason === 'WaitingForTarget')) {
        // "Waiting for the target: position 2 of 3 for <target>[, held by <namespace>/<holder>]"
        const [, target, holder] =
          /position \d+ of \d+ for ([^,;\s]+)(?:, held by [^/\s]+\/(\S+))?/.exec(note ?? '') ?? [];
        waits.push({ wfe: wfe.metadata.name, note, target, holder });
      }
    }
    const elsewhere = waits.filter(
      (w) => w.target !== targetOf.get(w.wfe) || (w.holder !== undefined && targetOf.get(w.holder) !== w.target),
    );
    expect(elsewhere).toEqual([]);
    // (And some did queue: four 1 s runs of one target cannot all fit between its creations.)
    expect(waits.length).toBeGreaterThan(0);
    // And their PipelineRuns ran at the same time.
    const concurrent = Math.max(...runs.map((r) => runs.filter((o) => o.start < r.end && r.start < o.end).length));
    expect(concurrent).toBeGreaterThanOrEqual(3);
  });

  it('grants the next waiter when the holder workflow is terminated with the Temporal CLI', async () => {
    const target = `${env.namespace}/Deployment/terminated-holder`;
    const [holder] = await createOn(target, 1, { stepMs: 600_000 });
    await eventually(
      'the holder to run',
      async () => ((await statusOf(holder))?.phase === 'Running' ? true : undefined),
      120_000,
    );
    const [waiter] = await createOn(target, 1);
    await eventually(
      'the waiter to queue behind it',
      async () => ((await statusOf(waiter))?.targetLock?.holder?.endsWith(holder.metadata.name) ? true : undefined),
      120_000,
    );
    const holderId = workflowExecutionWorkflowId({
      namespace: env.namespace,
      name: holder.metadata.name,
      uid: holder.metadata.uid!,
    });
    await run(ensureTools(() => undefined).temporal, [
      'workflow',
      'terminate',
      '--address',
      getStackInfo().temporal.address,
      '--namespace',
      env.temporalNamespace,
      '--workflow-id',
      holderId,
      '--reason',
      'operator stops it by hand',
    ]);
    // The stated bound: one long poll of the holder's history, or the watch's 60 s heartbeat timeout if its
    // worker died too; nothing died here, so well within it.
    const acquired = await eventually(
      'the waiter to get the target',
      async () => (await statusOf(waiter))?.targetLock?.acquiredAt,
      60_000,
    );
    expect(acquired).toBeDefined();
    const [final] = await waitTerminal([waiter]);
    expect(final.phase).toBe('Completed');
  });

  it('takes a waiting WFE deleted with kubectl out of the queue: records cancelled, no PipelineRun, the others unaffected', async () => {
    const target = `${env.namespace}/Deployment/deleted-waiter`;
    const [holder] = await createOn(target, 1, { stepMs: 6_000 });
    await waitHolding(holder);
    const [deleted, last] = await createOn(target, 2, { stepMs: 6_000 });
    await eventually(
      'the last to wait at position 2',
      async () => ((await statusOf(last))?.targetLock?.position === 2 ? true : undefined),
      120_000,
    );
    await kubectl(['delete', 'wfe', deleted.metadata.name, '-n', env.namespace, '--wait=false']);
    await eventually(
      'the deleted WFE to disappear (its workflow let go of the queue and the finalizer)',
      async () => ((await env.getWorkflowExecution(env.namespace, deleted.metadata.name)) ? undefined : true),
      120_000,
    );
    const records = await env.dataStorage.getWorkflowExecutionActions(deleted.metadata.uid!);
    expect(records.map((r) => [r.stepName, r.status])).toEqual([['scale', 'cancelled']]);
    expect(records[0].startedAt).toBeNull();

    await eventually(
      'the last to move up to position 1',
      async () => ((await statusOf(last))?.targetLock?.position === 1 ? true : undefined),
      60_000,
    );
    const statuses = await waitTerminal([holder, last]);
    expect(statuses.map((s) => s.phase)).toEqual(['Completed', 'Completed']);
    const prs = await env.listPipelineRuns(env.namespace);
    expect(prs.filter((pr) => pr.metadata.ownerReferences?.some((o) => o.uid === deleted.metadata.uid))).toEqual([]);
    const [first, second] = await pipelineRunIntervals([holder, last]);
    expect(second.start).toBeGreaterThanOrEqual(first.end);
  });

  it('fails a WFE whose timeout passes while it waits, saying it never ran', async () => {
    const target = `${env.namespace}/Deployment/slow-holder`;
    const [holder] = await createOn(target, 1, { stepMs: 10_000 });
    await waitHolding(holder);
    const late = await env.createWorkflowExecution({
      target,
      timeout: '4s',
      steps: [{ name: 'scale', actionType: 'kubernetes/scale_deployment' }],
    });
    const [failed] = await waitTerminal([late], 120_000);
    expect(failed.phase).toBe('Failed');
    expect(failed.failureDetails).toMatchObject({ reason: 'TargetWaitTimeout', wasExecutionFailure: false });
    expect(failed.failureDetails!.message).toMatch(
      /^never ran: the timeout of 4s passed while it waited for its target/,
    );
    expect(failed.targetLock).toMatchObject({ reason: 'TargetBusy', position: 1 });
    expect(failed.targetLock!.waited).toMatch(/^[45]s$/);
    const prs = await env.listPipelineRuns(env.namespace);
    expect(prs.filter((pr) => pr.metadata.ownerReferences?.some((o) => o.uid === late.metadata.uid))).toEqual([]);
    const records = await env.dataStorage.getWorkflowExecutionActions(late.metadata.uid!);
    expect(records.map((r) => r.status)).toEqual(['skipped']);

    const [done] = await waitTerminal([holder]);
    expect(done.phase).toBe('Completed');
  });
});
