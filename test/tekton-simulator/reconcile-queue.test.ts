import { ReconcileQueue } from '../../src/tekton-simulator/reconcile-queue';

/** A reconcile that stays open until the test releases it, recording who ran when. */
function gatedWorker() {
  const running = new Set<string>();
  const log: string[] = [];
  let maxParallel = 0;
  const gates: (() => void)[] = [];
  const reconcile = async (key: string) => {
    if (running.has(key)) throw new Error(`${key} reconciled twice at once`);
    running.add(key);
    maxParallel = Math.max(maxParallel, running.size);
    log.push(key);
    await new Promise<void>((resolve) => gates.push(resolve));
    running.delete(key);
  };
  const releaseAll = async () => {
    while (gates.length > 0 || running.size > 0) {
      gates.splice(0).forEach((open) => open());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { reconcile, log, releaseAll, maxParallel: () => maxParallel };
}

describe('ReconcileQueue', () => {
  it('never reconciles one key twice at once; events meanwhile cause exactly one more run', async () => {
    const worker = gatedWorker();
    const queue = new ReconcileQueue(worker.reconcile, 4, (_k, err) => {
      throw err;
    });
    queue.enqueue('ns/pr');
    queue.enqueue('ns/pr');
    queue.enqueue('ns/pr');
    await worker.releaseAll();
    expect(worker.log).toEqual(['ns/pr', 'ns/pr']);
    await queue.stop();
  });

  it('runs different keys in parallel up to the concurrency limit', async () => {
    const worker = gatedWorker();
    const queue = new ReconcileQueue(worker.reconcile, 2, (_k, err) => {
      throw err;
    });
    ['a', 'b', 'c', 'd'].forEach((k) => queue.enqueue(k));
    await worker.releaseAll();
    expect(worker.log.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(worker.maxParallel()).toBe(2);
    await queue.stop();
  });

  it('reports a failing reconcile and keeps serving other keys', async () => {
    const failures: string[] = [];
    const done: string[] = [];
    const queue = new ReconcileQueue(
      async (key) => {
        if (key === 'bad') throw new Error('boom');
        done.push(key);
      },
      1,
      (key) => failures.push(key),
    );
    queue.enqueue('bad');
    queue.enqueue('good');
    for (let turn = 0; turn < 100 && done.length === 0; turn++) await new Promise((r) => setImmediate(r));
    expect(failures).toEqual(['bad']);
    expect(done).toEqual(['good']);
    await queue.stop();
  });

  it('keeps the earliest of several wake-ups and drops them all on stop', async () => {
    const ran: string[] = [];
    const queue = new ReconcileQueue(
      async (key) => void ran.push(key),
      1,
      () => undefined,
    );
    queue.enqueueAt('later', Date.now() + 60_000);
    queue.enqueueAt('later', Date.now() + 120_000);
    queue.enqueueAt('now', Date.now() - 1);
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual(['now']);
    await queue.stop();
    expect(queue.depth).toBe(0);
  });
});
