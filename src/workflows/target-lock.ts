/**
 * targetLockWorkflow: one per target resource (`target-lock/<target>`), the queue of the WorkflowExecutions
 * that want to act on it (issue #12; the rules are in src/domain/target-lock.ts).
 *
 * - The first WFE of a quiet target starts this workflow already holding it (its input's state names the
 *   holder; src/temporal-client/target-lock.ts), so it goes on to create its PipelineRun in the same step.
 * - While the lock runs, a WFE asks with the `acquire` update (update-with-start, from its begin step):
 *   granted at once when the target is free, else queued.
 * - A queued WFE: when its turn comes the lock signals it `targetGranted`, and whenever its place
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
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TargetLockActivities } from '../activities/target-locks';
import {
  answerFor,
  describeTargetLock,
  emptyTargetLock,
  grantNext,
  isIdle,
  nextTurn,
  releaseLock,
  requestLock,
  waitingViews,
  type LockAnswer,
  type LockHolder,
  type LockRequest,
  type Release,
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

/** The patch of changeOrCooldownEnd's grant when the cooldown ended during the turn (see there). */
const GRANT_AFTER_LATE_COOLDOWN_END = 'target-lock-grant-after-late-cooldown-2026-11';

/** Continue as new past this many history events (well below Temporal's warnings), or when suggested. */
const MAX_HISTORY_EVENTS = 2_000;

/** A run of the lock workflow: the state it carries over, and what it keeps for this run only. */
interface Lock {
  state: TargetLockState;
  /** The holder watch, with a one-line summary for the Web UI's timeline. */
  watchLockHolder(summary: string): TargetLockActivities['watchLockHolder'];
  /** Something happened (a request, a release, a holder gone) that the loop has not acted on yet. */
  changed: boolean;
  /** The last view each waiter was told (JSON), so only changes are signalled. */
  told: Map<string, string>;
  /** Requests of this activation, answered once the grant is decided with all of them in the queue. */
  unanswered: { request: LockRequest; answer(a: LockAnswer): void }[];
  /** The watch of the holder's workflow, while someone waits for it. */
  watch?: { requester: string; scope: CancellationScope };
}

/**
 * Each turn of the loop acts on what changed: grants and answers, tells the waiters, watches the holder;
 * then ends, continues as new, or waits for the next change or the end of the cooldown. The holder watch
 * resolves concurrently, so the loop's awaits keep the microtask turns they had when the recorded histories
 * were made: tellWaiters is the async function it was; tellGranted and changeOrCooldownEnd hand back the
 * promise of tell and of condition as it is, and add no turn of their own.
 */
export async function targetLockWorkflow(input: TargetLockInput): Promise<void> {
  const lock = openLock(input);
  for (;;) {
    lock.changed = false;
    const next = grantAndAnswer(lock);
    if (next && !(await tellGranted(lock, next))) {
      letGoForGoneHolder(lock, next);
      continue;
    }
    await tellWaiters(lock);
    setCurrentDetails(describeTargetLock(lock.state, Date.now()));
    watchHolderWhileOthersWait(lock);
    if (lock.changed) continue;
    const ending = endingOf(lock);
    if (ending) {
      // Only once no request waits for its answer, or it would be lost.
      await condition(() => lock.changed || allHandlersFinished());
      if (lock.changed) continue;
      if (ending === 'idle') return;
      lock.watch?.scope.cancel();
      await continueAsNew<typeof targetLockWorkflow>({ ...input, state: lock.state });
    }
    await changeOrCooldownEnd(lock);
  }
}

/** The run's lock: its state (carried over by continue-as-new, else empty), the holder watch, the handlers. */
function openLock(input: TargetLockInput): Lock {
  const watchLockHolder = (summary: string) =>
    proxyActivities<TargetLockActivities>({
      // A holder may hold the target for as long as its own timeout allows; the watch follows it throughout.
      startToCloseTimeout: '7 days',
      heartbeatTimeout: input.holderWatchHeartbeatTimeoutMs ?? 60_000,
      retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
      summary,
    }).watchLockHolder;
  const lock: Lock = {
    state: input.state ?? emptyTargetLock(input.target),
    watchLockHolder,
    changed: true,
    told: new Map(),
    unanswered: [],
  };
  setHandler(acquireTargetUpdate, (request) => acquire(lock, request), {
    validator: (request) => assertLockRequest(request),
  });
  setHandler(releaseTargetSignal, (release) => letGo(lock, release));
  setHandler(targetLockStateQuery, () => lock.state);
  return lock;
}

/** The `acquire` update: the request joins the queue; the answer comes once the loop decided the grant. */
function acquire(lock: Lock, request: LockRequest): Promise<LockAnswer> {
  requestLock(lock.state, request);
  lock.changed = true;
  return new Promise<LockAnswer>((answer) => lock.unanswered.push({ request, answer }));
}

/** The `release` signal: the holder releases (a cooldown follows when it ran), a waiter leaves the queue. */
function letGo(lock: Lock, release: Release): void {
  const outcome = releaseLock(lock.state, release);
  if (outcome !== 'unknown') lock.changed = true;
  lock.told.delete(release.requester);
  log.info(`lock ${outcome} by ${release.requester}`, { target: lock.state.target, ran: release.ran });
}

/**
 * Grants the target when it is free, and answers this activation's requests. Returns the new holder when it
 * must be told by signal (one that asked in this activation has it in its answer).
 */
function grantAndAnswer(lock: Lock): LockHolder | undefined {
  const granted = grantNext(lock.state, Date.now());
  const answered = answerRequests(lock);
  if (!granted || answered.has(granted.requester)) return undefined;
  lock.told.delete(granted.requester);
  return granted;
}

/**
 * Answers this activation's requests (the update's result: granted, or where it waits); returns who was
 * answered (a grant among them needs no signal).
 */
function answerRequests(lock: Lock): Set<string> {
  const now = Date.now();
  const answered = new Set<string>();
  for (const { request, answer } of lock.unanswered) {
    const { requester } = request;
    // Released in the same activation by an earlier attempt of the same requester: it asks again.
    if (!answerFor(lock.state, requester, now)) requestLock(lock.state, request);
    const a = answerFor(lock.state, requester, now)!;
    if (!a.granted) lock.told.set(requester, viewKey(a));
    answered.add(requester);
    answer(a);
  }
  lock.unanswered = [];
  return answered;
}

/** Tells the new holder the target is its own; false when it is gone. */
function tellGranted(lock: Lock, holder: LockHolder): Promise<boolean> {
  return tell(holder.requester, targetGrantedSignal, { target: lock.state.target, grantedAt: holder.grantedAt });
}

/** The new holder is gone (closed, never existed): the lock lets go for it, and grants the one after it. */
function letGoForGoneHolder(lock: Lock, holder: LockHolder): void {
  log.warn('the next holder is gone: granting the one after it', { requester: holder.requester });
  releaseLock(lock.state, { requester: holder.requester, completedAt: Date.now(), ran: false });
}

/** Tells every waiter whose place changed; a waiter that can no longer be told leaves the queue. */
async function tellWaiters(lock: Lock): Promise<void> {
  const views = waitingViews(lock.state, Date.now());
  const changes = [...views].filter(([requester, view]) => lock.told.get(requester) !== viewKey(view));
  const results = await Promise.all(
    changes.map(async ([requester, view]) => {
      lock.told.set(requester, viewKey(view));
      return { requester, ok: await tell(requester, targetQueueSignal, view) };
    }),
  );
  for (const { requester, ok } of results) {
    if (ok) continue;
    releaseLock(lock.state, { requester, completedAt: Date.now(), ran: false });
    lock.told.delete(requester);
    lock.changed = true;
  }
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

/**
 * Follows the holder's workflow while someone waits for it (nobody is blocked by a leaked lock that
 * nobody wants). When the holder closed without releasing, the lock lets go for it.
 */
function watchHolderWhileOthersWait(lock: Lock): void {
  const holder = lock.state.holder;
  const wanted = holder !== undefined && lock.state.queue.length > 0 ? holder.requester : undefined;
  if (lock.watch && lock.watch.requester !== wanted) {
    lock.watch.scope.cancel();
    lock.watch = undefined;
  }
  if (!wanted || lock.watch) return;
  const scope = new CancellationScope();
  lock.watch = { requester: wanted, scope };
  scope
    .run(() =>
      lock.watchLockHolder(`Watch holder ${wanted} while ${lock.state.queue.length} wait`)({ requester: wanted }),
    )
    .then((closed) => {
      if (lock.watch?.requester === wanted) lock.watch = undefined;
      if (lock.state.holder?.requester !== wanted) return;
      log.warn('the holder of the target closed without releasing it: releasing for it', {
        target: lock.state.target,
        requester: wanted,
        closedAs: closed.status,
      });
      releaseLock(lock.state, { requester: wanted, completedAt: Date.now(), ran: true });
      lock.changed = true;
    })
    .catch((err) => {
      if (lock.watch?.requester === wanted) lock.watch = undefined;
      if (!isCancellation(err)) log.warn('watching the holder failed', { requester: wanted, error: String(err) });
      lock.changed = true;
    });
}

/**
 * How the run ends when nothing is left to do now: 'idle' (nothing held, nobody waits, no cooldown: the
 * next request starts a new run), 'continue-as-new' (its history grew long); undefined while it goes on.
 */
function endingOf(lock: Lock): 'idle' | 'continue-as-new' | undefined {
  if (isIdle(lock.state, Date.now())) return 'idle';
  const { continueAsNewSuggested, historyLength } = workflowInfo();
  return continueAsNewSuggested || historyLength > MAX_HISTORY_EVENTS ? 'continue-as-new' : undefined;
}

/**
 * Waits until something changes, or the cooldown ends (the next waiter's turn). A cooldown that ended while
 * this turn told the waiters where they stand (after its grant step, which it found still cooling down) makes
 * it the next waiter's turn at once: waiting then for a change that may never come left the queue stuck (a
 * test saw four waiters never granted). Behind a patch: runs recorded before it waited there.
 */
function changeOrCooldownEnd(lock: Lock): Promise<unknown> {
  const turn = nextTurn(lock.state, Date.now());
  if (turn.at === 'cooldown-end') {
    return condition(() => lock.changed, turn.inMs + 1, { summary: `Cooldown of ${lock.state.target}` });
  }
  if (turn.at === 'now' && patched(GRANT_AFTER_LATE_COOLDOWN_END)) return Promise.resolve();
  return condition(() => lock.changed);
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
