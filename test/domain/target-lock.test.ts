// The per-target lock's rules (issue #12), as pure state transitions: grant order, idempotency, release,
// withdrawal, cooldown.
import {
  answerFor,
  emptyTargetLock,
  grantNext,
  heldBy,
  isIdle,
  nextTurn,
  releaseLock,
  requestLock,
  targetLockWorkflowId,
  waitingViews,
  type LockRequest,
} from '../../src/domain/target-lock';

const T0 = Date.parse('2026-11-29T10:00:00Z');

function request(name: string, over: Partial<LockRequest> = {}): LockRequest {
  return {
    requester: `wfe/demo/${name}/uid-${name}`,
    workflowExecution: `demo/${name}`,
    createdAt: '2026-11-29T10:00:00Z',
    startedAt: T0,
    cooldownMs: 0,
    ...over,
  };
}

describe('the target lock', () => {
  it('grants an idle target to the first request and queues the others behind the holder', () => {
    const lock = emptyTargetLock('demo/Deployment/payment');
    requestLock(lock, request('a'));
    expect(grantNext(lock, T0)?.workflowExecution).toBe('demo/a');
    expect(answerFor(lock, request('a').requester, T0)).toEqual({ granted: true, grantedAt: T0 });
    requestLock(lock, request('b', { startedAt: T0 + 1 }));
    requestLock(lock, request('c', { startedAt: T0 + 2 }));
    expect(grantNext(lock, T0)).toBeUndefined(); // a still holds it
    expect(answerFor(lock, request('b').requester, T0)).toEqual({
      granted: false,
      reason: 'TargetBusy',
      position: 1,
      queueLength: 2,
      holder: 'demo/a',
    });
    expect(answerFor(lock, request('c').requester, T0)).toMatchObject({ granted: false, position: 2 });
    expect(answerFor(lock, 'wfe/demo/unknown/x', T0)).toBeUndefined();
  });

  it('grants requests that reach an idle lock together in creation order, not arrival order', () => {
    const lock = emptyTargetLock('t/Kind/x');
    requestLock(lock, request('second', { startedAt: T0 + 5 }));
    requestLock(lock, request('first', { startedAt: T0 + 1 }));
    expect(grantNext(lock, T0)?.workflowExecution).toBe('demo/first');
    expect(answerFor(lock, request('second').requester, T0)).toMatchObject({ position: 1, holder: 'demo/first' });
  });

  it('is idempotent: the holder asking again holds it, a waiter asking again keeps its place', () => {
    const lock = emptyTargetLock('t/Kind/x');
    requestLock(lock, request('a'));
    grantNext(lock, T0);
    requestLock(lock, request('b', { startedAt: T0 + 1 }));
    requestLock(lock, request('c', { startedAt: T0 + 2 }));
    requestLock(lock, request('a'));
    requestLock(lock, request('c', { startedAt: T0 + 2 }));
    expect(answerFor(lock, request('a').requester, T0 + 5)).toEqual({ granted: true, grantedAt: T0 });
    expect(answerFor(lock, request('c').requester, T0 + 5)).toMatchObject({ position: 2 });
    expect(lock.queue.map((r) => r.workflowExecution)).toEqual(['demo/b', 'demo/c']);
  });

  it('orders waiters by creation, then workflow start, then arrival — not by arrival alone', () => {
    const lock = emptyTargetLock('t/Kind/x');
    requestLock(lock, request('holder', { createdAt: '2026-11-29T09:59:00Z' }));
    grantNext(lock, T0);
    // Created in the order d1, d2, d3 (d1/d2 in the same second, started 1 ms apart); they arrive d3, d2, d1.
    requestLock(lock, request('d3', { createdAt: '2026-11-29T10:00:01Z', startedAt: T0 + 10 }));
    requestLock(lock, request('d2', { startedAt: T0 + 2 }));
    requestLock(lock, request('d1', { startedAt: T0 + 1 }));
    // Same creation second and start: arrival decides.
    requestLock(lock, request('d2b', { startedAt: T0 + 2 }));
    expect(lock.queue.map((r) => r.workflowExecution)).toEqual(['demo/d1', 'demo/d2', 'demo/d2b', 'demo/d3']);
    const views = waitingViews(lock, T0);
    expect(views.get(request('d3').requester)).toMatchObject({ position: 4, queueLength: 4, holder: 'demo/holder' });
  });

  it('orders WFEs created within the same second by the revision that created them, whatever their start order', () => {
    const lock = emptyTargetLock('demo/Deployment/x');
    requestLock(lock, request('holder', { createdAt: '2026-11-29T09:00:00Z' }));
    grantNext(lock, T0);
    // kubectl apply of several WFEs: one second, rising revisions; the watcher started them out of order.
    requestLock(lock, request('third', { createdRevision: '1000', startedAt: T0 + 1 }));
    requestLock(lock, request('first', { createdRevision: '998', startedAt: T0 + 3 }));
    requestLock(lock, request('second', { createdRevision: '999', startedAt: T0 + 2 }));
    requestLock(lock, request('opaque', { createdRevision: 'abc', startedAt: T0 + 4 }));
    expect(lock.queue.map((r) => r.workflowExecution)).toEqual([
      'demo/first',
      'demo/second',
      'demo/third',
      'demo/opaque',
    ]);
  });

  it('grants in order as holders release, and a waiter that withdraws leaves the queue', () => {
    const lock = emptyTargetLock('t/Kind/x');
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) requestLock(lock, request(name, { startedAt: T0 + i }));
    grantNext(lock, T0);
    expect(releaseLock(lock, { requester: request('c').requester, completedAt: T0, ran: false })).toBe('withdrawn');
    expect(releaseLock(lock, { requester: request('a').requester, completedAt: T0 + 10, ran: true })).toBe('released');
    expect(grantNext(lock, T0 + 10)?.workflowExecution).toBe('demo/b');
    expect(waitingViews(lock, T0 + 10).get(request('d').requester)).toMatchObject({ position: 1, holder: 'demo/b' });
    // A late or duplicate release changes nothing.
    expect(releaseLock(lock, { requester: request('a').requester, completedAt: T0 + 11, ran: true })).toBe('unknown');
    expect(lock.holder?.workflowExecution).toBe('demo/b');
  });

  it('says when the lock must act again with no change: at the end of a cooldown, at once once it is over', () => {
    const lock = emptyTargetLock('t/Kind/x');
    requestLock(lock, request('a', { cooldownMs: 5_000 }));
    grantNext(lock, T0);
    requestLock(lock, request('b', { startedAt: T0 + 1 }));
    expect(nextTurn(lock, T0 + 1_000)).toEqual({ at: 'change' }); // held: its release will come
    releaseLock(lock, { requester: request('a').requester, completedAt: T0 + 2_000, ran: true });
    expect(grantNext(lock, T0 + 2_500)).toBeUndefined();
    expect(nextTurn(lock, T0 + 2_500)).toEqual({ at: 'cooldown-end', inMs: 4_500 });
    // The cooldown ended while the lock was busy after its grant step (telling the waiters): b's turn is now,
    // though no change will come to say so (the lock once waited for one and never granted b).
    expect(nextTurn(lock, T0 + 7_000)).toEqual({ at: 'now' });
    expect(grantNext(lock, T0 + 7_000)?.workflowExecution).toBe('demo/b');
    expect(nextTurn(lock, T0 + 7_000)).toEqual({ at: 'change' });
    releaseLock(lock, { requester: request('b').requester, completedAt: T0 + 8_000, ran: false });
    expect(nextTurn(lock, T0 + 8_000)).toEqual({ at: 'change' }); // idle: nobody waits
  });

  it('rests the target for the cooldown of the remediation that ran, from its completion', () => {
    const lock = emptyTargetLock('t/Kind/x');
    requestLock(lock, request('a', { cooldownMs: 60_000 }));
    grantNext(lock, T0);
    requestLock(lock, request('b', { startedAt: T0 + 1, cooldownMs: 0 }));
    releaseLock(lock, { requester: request('a').requester, completedAt: T0 + 5_000, ran: true });
    expect(grantNext(lock, T0 + 6_000)).toBeUndefined();
    expect(nextTurn(lock, T0 + 6_000)).toEqual({ at: 'cooldown-end', inMs: 59_000 });
    expect(waitingViews(lock, T0 + 6_000).get(request('b').requester)).toEqual({
      reason: 'CooldownActive',
      position: 1,
      queueLength: 1,
      cooldownEndsAt: new Date(T0 + 65_000).toISOString(),
      cooldownAfter: 'demo/a',
    });
    expect(grantNext(lock, T0 + 65_000)?.workflowExecution).toBe('demo/b');
    expect(lock.cooldown).toBeUndefined();
  });

  it('queues a newcomer during a cooldown, and leaves no cooldown after a holder that never ran', () => {
    const lock = emptyTargetLock('t/Kind/x');
    requestLock(lock, request('a', { cooldownMs: 60_000 }));
    grantNext(lock, T0);
    releaseLock(lock, { requester: request('a').requester, completedAt: T0, ran: true });
    requestLock(lock, request('b'));
    expect(grantNext(lock, T0 + 1_000)).toBeUndefined();
    expect(answerFor(lock, request('b').requester, T0 + 1_000)).toMatchObject({
      granted: false,
      reason: 'CooldownActive',
    });
    expect(isIdle(lock, T0 + 1_000)).toBe(false);
    expect(grantNext(lock, T0 + 60_000)?.workflowExecution).toBe('demo/b');

    const refused = emptyTargetLock('t/Kind/y');
    requestLock(refused, request('c', { cooldownMs: 60_000 }));
    grantNext(refused, T0);
    releaseLock(refused, { requester: request('c').requester, completedAt: T0, ran: false });
    expect(isIdle(refused, T0)).toBe(true);
    requestLock(refused, request('d'));
    expect(grantNext(refused, T0)?.workflowExecution).toBe('demo/d');
  });

  it('starts held: the state an idle lock reaches by granting one request, answering its retry as granted', () => {
    const a = request('a', { cooldownMs: 60_000 });
    const started = heldBy('demo/Deployment/x', a, T0 + 5);
    const asked = emptyTargetLock('demo/Deployment/x');
    requestLock(asked, a);
    grantNext(asked, T0 + 5);
    expect(started).toEqual(asked);
    expect(isIdle(started, T0 + 5)).toBe(false);
    requestLock(started, a);
    expect(answerFor(started, a.requester, T0 + 10)).toEqual({ granted: true, grantedAt: T0 + 5 });
    requestLock(started, request('b'));
    expect(answerFor(started, request('b').requester, T0 + 10)).toMatchObject({ granted: false, position: 1 });
  });

  it('has one id per target', () => {
    expect(targetLockWorkflowId('demo/Deployment/payment')).toBe('target-lock/demo/Deployment/payment');
    expect(targetLockWorkflowId('Node/worker-1')).toBe('target-lock/Node/worker-1');
  });
});
