/**
 * The per-target lock (issue #12; README "Decisions: one remediation at a time per target"): a fair queue of
 * the WorkflowExecutions that want to act on one target resource, one holder at a time, and a cooldown after
 * each remediation that ran. Pure state transitions, no I/O and no clock of its own: the target-lock
 * workflow (src/workflows/target-lock.ts) drives it with workflow time and turns its answers into signals.
 *
 * Order: requests are granted in the order their WorkflowExecutions were created — `creationTimestamp`
 * (second precision), then the revision that created them (same second), then the start of their workflow
 * (milliseconds), then arrival at the lock. Arrival alone is not creation order: WFEs applied together
 * begin on several worker slots at once and reach the lock in any order. A holder is never pre-empted; a
 * later request with an earlier key only goes ahead of other waiters.
 *
 * Cooldown: after a holder whose PipelineRun was created releases, the target rests until its completion
 * plus that remediation's cooldown, whatever the next WFE does — the settle time belongs to the change that
 * was made (upstream Kubernaut's rule, and what makes an effectiveness observation attributable). A holder
 * that never created a PipelineRun (refused, cancelled before it began) changed nothing and leaves no
 * cooldown.
 */

/** One WFE asking for the target. `requester` (its workflow id) is the identity: asking twice is one request. */
export interface LockRequest {
  /** The WorkflowExecution workflow's id (`wfe/<ns>/<name>/<uid>`): signals reach its current run. */
  requester: string;
  /** `namespace/name` of the WFE, for people. */
  workflowExecution: string;
  /** The WFE's `metadata.creationTimestamp` (RFC 3339); missing sorts first among equals. */
  createdAt?: string;
  /**
   * The WFE's `metadata.resourceVersion` as its workflow was started with it — on creation, the revision
   * that created it. Orders WFEs created within the same second (an etcd-backed API server's revisions
   * grow with every write); a value that is not a decimal number does not order.
   */
  createdRevision?: string;
  /** The start of the requester's workflow, epoch ms. */
  startedAt: number;
  /** The cooldown this WFE's remediation imposes when it ran, ms (its spec's or the worker's default). */
  cooldownMs: number;
}

export interface LockHolder extends LockRequest {
  /** When the lock was granted, epoch ms (lock workflow time). */
  grantedAt: number;
}

export interface Cooldown {
  /** Epoch ms when the target may be acted on again. */
  endsAt: number;
  /** `namespace/name` of the WFE whose remediation the target is resting after. */
  after: string;
}

export interface TargetLockState {
  target: string;
  holder?: LockHolder;
  /** Waiters in grant order (see the module comment). */
  queue: LockRequest[];
  cooldown?: Cooldown;
  /** Requests seen so far: the arrival tiebreak, and a figure for operators. */
  arrivals: number;
  /** Arrival number of each waiter (parallel to `queue`). */
  arrivalOf: Record<string, number>;
}

/** What a requester is told: it holds the target, or where it stands and why it waits. */
export type LockAnswer = { granted: true; grantedAt: number } | ({ granted: false } & WaitingView);

export interface WaitingView {
  /** TargetBusy: another WFE holds the target; CooldownActive: the target rests after a remediation. */
  reason: 'TargetBusy' | 'CooldownActive';
  /** 1 = next to be granted. */
  position: number;
  /** Waiters in the queue, this one included. */
  queueLength: number;
  /** `namespace/name` of the WFE holding the target (TargetBusy). */
  holder?: string;
  /** When the cooldown ends, RFC 3339 (CooldownActive), and whose remediation it follows. */
  cooldownEndsAt?: string;
  cooldownAfter?: string;
}

export function emptyTargetLock(target: string): TargetLockState {
  return { target, queue: [], arrivals: 0, arrivalOf: {} };
}

type OrderKey = [createdAt: string, revision: string | undefined, startedAt: number, arrival: number];

function orderKey(state: TargetLockState, r: LockRequest): OrderKey {
  const revision = r.createdRevision !== undefined && /^\d+$/.test(r.createdRevision) ? r.createdRevision : undefined;
  return [r.createdAt ?? '', revision, r.startedAt, state.arrivalOf[r.requester] ?? Number.MAX_SAFE_INTEGER];
}

/** Decimal revisions of any length: the shorter is the smaller, then digit by digit. */
function compareRevisions(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined || a === b) return 0;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}

function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  const byRevision = compareRevisions(a[1], b[1]);
  if (byRevision !== 0) return byRevision;
  if (a[2] !== b[2]) return a[2] - b[2];
  return a[3] - b[3];
}

function coolingDown(state: TargetLockState, now: number): Cooldown | undefined {
  return state.cooldown && state.cooldown.endsAt > now ? state.cooldown : undefined;
}

/** The view of the waiter at `index` of the queue. */
function viewAt(state: TargetLockState, index: number, now: number): WaitingView {
  const cooldown = coolingDown(state, now);
  const base = { position: index + 1, queueLength: state.queue.length };
  if (state.holder || !cooldown) {
    return { reason: 'TargetBusy', ...base, ...(state.holder && { holder: state.holder.workflowExecution }) };
  }
  return {
    reason: 'CooldownActive',
    ...base,
    cooldownEndsAt: new Date(cooldown.endsAt).toISOString(),
    cooldownAfter: cooldown.after,
  };
}

/** Every waiter's view, by requester. */
export function waitingViews(state: TargetLockState, now: number): Map<string, WaitingView> {
  return new Map(state.queue.map((r, i) => [r.requester, viewAt(state, i, now)]));
}

/**
 * A WFE asks for the target: it joins the queue in creation order. Idempotent: the holder or a waiter asking
 * again changes nothing. Who gets the target is decided by grantNext, once every request that arrived
 * together is in: requests that reach an idle lock at the same moment (WFEs applied together) are granted in
 * creation order, not in the order the first of them happened to be read.
 */
export function requestLock(state: TargetLockState, request: LockRequest): void {
  if (state.holder?.requester === request.requester) return;
  if (state.queue.some((r) => r.requester === request.requester)) return;
  state.arrivals += 1;
  state.arrivalOf[request.requester] = state.arrivals;
  const key = orderKey(state, request);
  const at = state.queue.findIndex((r) => compareKeys(key, orderKey(state, r)) < 0);
  state.queue.splice(at < 0 ? state.queue.length : at, 0, request);
}

/** What a requester is told now: it holds the target, or where it waits; undefined when the lock does not know it. */
export function answerFor(state: TargetLockState, requester: string, now: number): LockAnswer | undefined {
  if (state.holder?.requester === requester) return { granted: true, grantedAt: state.holder.grantedAt };
  const index = state.queue.findIndex((r) => r.requester === requester);
  return index < 0 ? undefined : { granted: false, ...viewAt(state, index, now) };
}

export interface Release {
  requester: string;
  /** When the holder's remediation ended (its completionTime), epoch ms; the cooldown counts from it. */
  completedAt: number;
  /** Whether it created a PipelineRun: only then may the target have changed, and a cooldown follows. */
  ran: boolean;
}

/**
 * The requester lets go: the holder releases (a cooldown follows when it ran), a waiter leaves the queue.
 * Returns what happened; a requester the lock does not know (a duplicate or late release) changes nothing.
 */
export function releaseLock(state: TargetLockState, release: Release): 'released' | 'withdrawn' | 'unknown' {
  if (state.holder?.requester === release.requester) {
    const holder = state.holder;
    state.holder = undefined;
    if (release.ran && holder.cooldownMs > 0) {
      const endsAt = release.completedAt + holder.cooldownMs;
      if (endsAt > (state.cooldown?.endsAt ?? 0)) state.cooldown = { endsAt, after: holder.workflowExecution };
    }
    return 'released';
  }
  const waiting = state.queue.findIndex((r) => r.requester === release.requester);
  if (waiting < 0) return 'unknown';
  state.queue.splice(waiting, 1);
  delete state.arrivalOf[release.requester];
  return 'withdrawn';
}

/**
 * The next grant, when one is due now: nobody holds the target, someone waits, no cooldown runs. The
 * head of the queue becomes the holder and is returned.
 */
export function grantNext(state: TargetLockState, now: number): LockHolder | undefined {
  if (!grantable(state, now)) return undefined;
  const next = state.queue.shift()!;
  delete state.arrivalOf[next.requester];
  state.holder = { ...next, grantedAt: now };
  state.cooldown = undefined;
  return state.holder;
}

/**
 * A lock that starts held: what an idle lock would be after granting `request` at `now`. An idle lock has
 * ended (see isIdle), so the first WFE of a quiet target starts the lock with this state instead of asking a
 * running one — the grant costs one start, not a round trip through a workflow task.
 */
export function heldBy(target: string, request: LockRequest, now: number): TargetLockState {
  const state = emptyTargetLock(target);
  requestLock(state, request);
  grantNext(state, now);
  return state;
}

/** The target is free, out of its cooldown, and someone waits for it: grantNext would grant it now. */
function grantable(state: TargetLockState, now: number): boolean {
  return !state.holder && state.queue.length > 0 && !coolingDown(state, now);
}

/**
 * When the lock must act again if nothing else happens: `now` when a waiter's turn has come (a cooldown that
 * ended while the lock was busy since it last tried to grant), at the end of the cooldown, or only on a change
 * (a request, a release, a holder gone).
 */
export type NextTurn = { at: 'now' } | { at: 'cooldown-end'; inMs: number } | { at: 'change' };

export function nextTurn(state: TargetLockState, now: number): NextTurn {
  const cooldown = coolingDown(state, now);
  if (cooldown) return { at: 'cooldown-end', inMs: cooldown.endsAt - now };
  return grantable(state, now) ? { at: 'now' } : { at: 'change' };
}

/** Nothing held, nobody waiting, no cooldown: the lock has nothing left to guard. */
export function isIdle(state: TargetLockState, now: number): boolean {
  return !state.holder && state.queue.length === 0 && !coolingDown(state, now);
}

/** The lock's id in Temporal: one per target, so the id itself is the mutual exclusion. */
export function targetLockWorkflowId(target: string): string {
  return `target-lock/${target}`;
}

/** What the Web UI shows as the lock's current details (markdown). */
export function describeTargetLock(state: TargetLockState, now: number): string {
  const lines = [`**Target ${state.target}**`];
  lines.push(state.holder ? `- held by \`${state.holder.workflowExecution}\`` : '- not held');
  const cooldown = coolingDown(state, now);
  if (cooldown)
    lines.push(`- cooling down after \`${cooldown.after}\` until ${new Date(cooldown.endsAt).toISOString()}`);
  state.queue.forEach((r, i) => lines.push(`${i + 1}. \`${r.workflowExecution}\` waiting`));
  return lines.join('\n');
}
