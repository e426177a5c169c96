/**
 * targetLockWorkflow: one per target resource (`target-lock/<target>`), the queue of the WorkflowExecutions
 * that want to act on it (issue #12; the rules are in src/domain/target-lock.ts).
 *
 * - A WFE asks with the `acquire` update (update-with-start, from its begin step): on an idle target the
 *   answer is "granted" at once, so the WFE goes on to create its PipelineRun in the same step.
 * - Otherwise it is queued; when its turn comes the lock signals it `targetGranted`, and whenever its place
 *   changes, `targetQueue` (so its status shows the position, the holder, the cooldown).
 * - The holder signals `release` when its execution is final; a waiter that gives up (deleted, deadline)
 *   signals the same and leaves the queue.
 * - A holder that closes without releasing (terminated, timed out, its history reset away) is noticed by a
 *   watch activity that follows its run while someone waits: the lock treats it as released, cooldown
 *   included (its actions may have run). Bound: the close is seen within one long poll of its history
 *   (seconds); if the worker running the watch dies too, within the watch's heartbeat timeout (60 s).
 * - When nothing is held, nobody waits and no cooldown runs, the workflow ends; the next request starts a
 *   new run. A long-lived lock continues as new when its history grows, carrying its state.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TargetLockActivities } from '../activities/target-locks';
import {
  answerFor,
  cooldownRemainingMs,
  describeTargetLock,
  emptyTargetLock,
  grantNext,
  isIdle,
  releaseLock,
  requestLock,
  waitingViews,
  type LockAnswer,
  type LockRequest,
  type TargetLockState,
} from '../domain/target-lock';
import {
  acquireTargetUpdate,
  releaseTargetSignal,
  targetGrantedSignal,
  targetLockStateQuery,
  targetQueueSignal,
  type TargetLockInput,
} from './target-lock-contract';

export type { TargetLockInput } from './target-lock-contract';

/** Continue as new past this many history events (well below Temporal's warnings), or when suggested. */
const MAX_HISTORY_EVENTS = 2_000;

export async function targetLockWorkflow(input: TargetLockInput): Promise<void> {
  const state: TargetLockState = input.state ?? emptyTargetLock(input.target);
  const heartbeatTimeoutMs = input.holderWatchHeartbeatTimeoutMs ?? 60_000;
  const { watchLockHolder } = proxyActivities<TargetLockActivities>({
    // A holder may hold the target for as long as its own timeout allows; the watch follows it throughout.
    startToCloseTimeout: '7 days',
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  let changed = true;
  /** The last view each waiter was told (JSON), so only changes are signalled. */
  const told = new Map<string, string>();
  let watch: { requester: string; scope: CancellationScope } | undefined;

  /** Requests of this activation, answered once the grant is decided with all of them in the queue. */
  let unanswered: { request: LockRequest; answer(a: LockAnswer): void }[] = [];
  setHandler(
    acquireTargetUpdate,
    (request) => {
      requestLock(state, request);
      changed = true;
      return new Promise<LockAnswer>((answer) => unanswered.push({ request, answer }));
    },
    { validator: (request) => assertLockRequest(request) },
  );
  setHandler(releaseTargetSignal, (release) => {
    const outcome = releaseLock(state, release);
    if (outcome !== 'unknown') changed = true;
    told.delete(release.requester);
    log.info(`lock ${outcome} by ${release.requester}`, { target: state.target, ran: release.ran });
  });
  setHandler(targetLockStateQuery, () => state);

  for (;;) {
    changed = false;
    const granted = grantNext(state, Date.now());
    const answered = answerRequests();
    if (granted && !answered.has(granted.requester)) {
      told.delete(granted.requester);
      if (
        !(await tell(granted.requester, targetGrantedSignal, { target: state.target, grantedAt: granted.grantedAt }))
      ) {
        log.warn('the next holder is gone: granting the one after it', { requester: granted.requester });
        releaseLock(state, { requester: granted.requester, completedAt: Date.now(), ran: false });
        continue;
      }
    }
    await tellWaiters();
    setCurrentDetails(describeTargetLock(state, Date.now()));
    watchHolderWhileOthersWait();
    if (changed) continue;

    // Ending (idle) or continuing as new: only once no request waits for its answer, or it would be lost.
    if (isIdle(state, Date.now())) {
      await condition(() => changed || allHandlersFinished());
      if (changed) continue;
      return;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
      await condition(() => changed || allHandlersFinished());
      if (changed) continue;
      watch?.scope.cancel();
      await continueAsNew<typeof targetLockWorkflow>({ ...input, state });
    }
    const cooldownMs = cooldownRemainingMs(state, Date.now());
    if (cooldownMs === undefined) await condition(() => changed);
    else await condition(() => changed, cooldownMs + 1);
  }

  /**
   * Answers this activation's requests (the update's result: granted, or where it waits); returns who was
   * answered (a grant among them needs no signal).
   */
  function answerRequests(): Set<string> {
    const now = Date.now();
    const answered = new Set<string>();
    for (const { request, answer } of unanswered) {
      const { requester } = request;
      // Released in the same activation by an earlier attempt of the same requester: it asks again.
      if (!answerFor(state, requester, now)) requestLock(state, request);
      const a = answerFor(state, requester, now)!;
      if (!a.granted) told.set(requester, viewKey(a));
      answered.add(requester);
      answer(a);
    }
    unanswered = [];
    return answered;
  }

  /** Signals a requester's workflow; false when it is gone (closed, never existed). */
  async function tell<T>(requester: string, signal: typeof targetGrantedSignal | typeof targetQueueSignal, arg: T) {
    try {
      await getExternalWorkflowHandle(requester).signal(signal as never, arg as never);
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('could not signal a requester of the target', { requester, error: String(err) });
      return false;
    }
  }

  /** Tells every waiter whose place changed; a waiter that can no longer be told leaves the queue. */
  async function tellWaiters(): Promise<void> {
    const views = waitingViews(state, Date.now());
    const changes = [...views].filter(([requester, view]) => told.get(requester) !== viewKey(view));
    const results = await Promise.all(
      changes.map(async ([requester, view]) => {
        told.set(requester, viewKey(view));
        return { requester, ok: await tell(requester, targetQueueSignal, view) };
      }),
    );
    for (const { requester, ok } of results) {
      if (ok) continue;
      releaseLock(state, { requester, completedAt: Date.now(), ran: false });
      told.delete(requester);
      changed = true;
    }
  }

  /**
   * Follows the holder's workflow while someone waits for it (nobody is blocked by a leaked lock that
   * nobody wants). When the holder closed without releasing, the lock lets go for it.
   */
  function watchHolderWhileOthersWait(): void {
    const holder = state.holder;
    const wanted = holder !== undefined && state.queue.length > 0 ? holder.requester : undefined;
    if (watch && watch.requester !== wanted) {
      watch.scope.cancel();
      watch = undefined;
    }
    if (!wanted || watch) return;
    const scope = new CancellationScope();
    watch = { requester: wanted, scope };
    scope
      .run(() => watchLockHolder({ requester: wanted }))
      .then((closed) => {
        if (watch?.requester === wanted) watch = undefined;
        if (state.holder?.requester !== wanted) return;
        log.warn('the holder of the target closed without releasing it: releasing for it', {
          target: state.target,
          requester: wanted,
          closedAs: closed.status,
        });
        releaseLock(state, { requester: wanted, completedAt: Date.now(), ran: true });
        changed = true;
      })
      .catch((err) => {
        if (watch?.requester === wanted) watch = undefined;
        if (!isCancellation(err)) log.warn('watching the holder failed', { requester: wanted, error: String(err) });
        changed = true;
      });
  }
}

function viewKey(view: object): string {
  const { granted: _granted, ...rest } = view as { granted?: unknown };
  return JSON.stringify(rest);
}

/** Rejects a malformed request before it enters the history (the update fails, the lock is untouched). */
function assertLockRequest(request: LockRequest): void {
  const ok =
    typeof request === 'object' &&
    request !== null &&
    typeof request.requester === 'string' &&
    request.requester.length > 0 &&
    typeof request.workflowExecution === 'string' &&
    typeof request.startedAt === 'number' &&
    Number.isFinite(request.startedAt) &&
    typeof request.cooldownMs === 'number' &&
    request.cooldownMs >= 0 &&
    (request.createdAt === undefined || typeof request.createdAt === 'string');
  if (!ok) throw new Error(`malformed lock request: ${JSON.stringify(request)}`);
}
