import { KeyedQueue, type KeyedQueueOptions } from '../../src/watcher/keyed-queue';

/** A processor whose calls the test finishes by hand. */
function controlledProcessor() {
  const calls: { key: string; item: string; finish: (err?: Error) => void }[] = [];
  let active = 0;
  let maxActive = 0;
  const activeKeys = new Set<string>();
  let overlapped = false;
  const process = (key: string, item: string) =>
    new Promise<void>((resolve, reject) => {
      if (activeKeys.has(key)) overlapped = true;
      activeKeys.add(key);
      active++;
      maxActive = Math.max(maxActive, active);
      calls.push({
        key,
        item,
        finish: (err) => {
          active--;
          activeKeys.delete(key);
          if (err) reject(err);
          else resolve();
        },
      });
    });
  return {
    calls,
    process,
    maxActive: () => maxActive,
    overlapped: () => overlapped,
    /** Finishes the oldest unfinished call of `key`. */
    async finish(key: string, err?: Error) {
      const call = calls.find((c) => c.key === key && !(c as { done?: boolean }).done);
      if (!call) throw new Error(`no call of ${key} in progress`);
      (call as { done?: boolean }).done = true;
      call.finish(err);
      await flush();
    },
  };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

function queue(p: ReturnType<typeof controlledProcessor>, o: Partial<KeyedQueueOptions<string>> = {}) {
  return new KeyedQueue<string>({ process: p.process, capacity: 10, concurrency: 2, random: () => 1, ...o });
}

describe('KeyedQueue', () => {
  it('processes the newest item of a key once when several arrived while it waited', async () => {
    const p = controlledProcessor();
    const q = queue(p, { concurrency: 1 });
    q.offer('a', 'a1');
    expect(q.offer('b', 'b1')).toBe('queued');
    expect(q.offer('b', 'b2')).toBe('coalesced');
    expect(q.offer('b', 'b3')).toBe('coalesced');
    await p.finish('a');
    await p.finish('b');
    expect(p.calls.map((c) => c.item)).toEqual(['a1', 'b3']);
    expect(q.stats()).toMatchObject({ depth: 0, processed: 2, coalesced: 2 });
  });

  it('never processes one key twice at once, and processes an item that arrived meanwhile afterwards', async () => {
    const p = controlledProcessor();
    const q = queue(p, { concurrency: 4 });
    q.offer('a', 'a1');
    q.offer('a', 'a2');
    await flush();
    expect(p.calls.map((c) => c.item)).toEqual(['a1']);
    await p.finish('a');
    expect(p.calls.map((c) => c.item)).toEqual(['a1', 'a2']);
    await p.finish('a');
    expect(p.overlapped()).toBe(false);
    expect(q.has('a')).toBe(false);
  });

  it('processes at most `concurrency` keys at once', async () => {
    const p = controlledProcessor();
    const q = queue(p, { concurrency: 2 });
    for (const k of ['a', 'b', 'c', 'd']) q.offer(k, `${k}1`);
    await flush();
    expect(p.calls).toHaveLength(2);
    for (const k of ['a', 'b', 'c', 'd']) await p.finish(k);
    expect(p.maxActive()).toBe(2);
    expect(p.calls.map((c) => c.key)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses new keys when full, still takes newer items of keys it holds, and takes new keys once drained', async () => {
    const p = controlledProcessor();
    const q = queue(p, { capacity: 2, concurrency: 1 });
    expect(q.offer('a', 'a1')).toBe('queued');
    expect(q.offer('b', 'b1')).toBe('queued');
    expect(q.offer('c', 'c1')).toBe('refused');
    expect(q.offer('b', 'b2')).toBe('coalesced');
    expect(q.stats()).toMatchObject({ depth: 2, refused: 1 });
    await p.finish('a');
    expect(q.offer('c', 'c2')).toBe('queued');
    await p.finish('b');
    await p.finish('c');
    expect(p.calls.map((c) => c.item)).toEqual(['a1', 'b2', 'c2']);
  });

  describe('when processing fails', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    it('retries with exponential backoff up to the cap, with the newest item, until it succeeds', async () => {
      const p = controlledProcessor();
      const retries: [number, number][] = [];
      const q = queue(p, {
        retryInitialMs: 100,
        retryMaxMs: 300,
        onRetry: (_k, _i, _e, attempt, delay) => retries.push([attempt, delay]),
      });
      q.offer('a', 'a1');
      await p.finish('a', new Error('temporal unavailable'));
      expect(q.stats()).toMatchObject({ depth: 1, backingOff: 1, failures: 1 });
      q.offer('a', 'a2'); // arrives during the backoff: the retry takes it
      await jest.advanceTimersByTimeAsync(99);
      expect(p.calls).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(p.calls.map((c) => c.item)).toEqual(['a1', 'a2']);
      await p.finish('a', new Error('temporal unavailable'));
      await jest.advanceTimersByTimeAsync(200);
      await p.finish('a', new Error('temporal unavailable'));
      await jest.advanceTimersByTimeAsync(300);
      await p.finish('a');
      expect(retries).toEqual([
        [1, 100],
        [2, 200],
        [3, 300],
      ]);
      expect(q.stats()).toMatchObject({ depth: 0, processed: 1, failures: 3 });
    });

    it('jitters the backoff between half and all of it', async () => {
      const p = controlledProcessor();
      const delays: number[] = [];
      const q = queue(p, { retryInitialMs: 1000, random: () => 0, onRetry: (_k, _i, _e, _a, d) => delays.push(d) });
      q.offer('a', 'a1');
      await p.finish('a', new Error('unavailable'));
      expect(delays).toEqual([500]);
      await jest.advanceTimersByTimeAsync(500);
      expect(p.calls).toHaveLength(2);
      await p.finish('a');
    });
  });

  it('combines a waiting item with a newer one through `merge`', async () => {
    const p = controlledProcessor();
    const q = queue(p, { concurrency: 1, merge: (older, newer) => `${older}+${newer}` });
    q.offer('a', 'a1');
    q.offer('b', 'deleted');
    q.offer('b', 'modified');
    await p.finish('a');
    await p.finish('b');
    expect(p.calls.map((c) => c.item)).toEqual(['a1', 'deleted+modified']);
  });

  it('stops taking work and waits for the items in process', async () => {
    const p = controlledProcessor();
    const q = queue(p, { concurrency: 1 });
    q.offer('a', 'a1');
    q.offer('b', 'b1');
    let stopped = false;
    const stopping = q.stop(60_000).then(() => (stopped = true));
    expect(q.offer('c', 'c1')).toBe('refused');
    await flush();
    expect(stopped).toBe(false);
    await p.finish('a');
    await stopping;
    expect(p.calls.map((c) => c.item)).toEqual(['a1']);
  });

  it('resolves idle() once everything offered was processed', async () => {
    const p = controlledProcessor();
    const q = queue(p);
    q.offer('a', 'a1');
    let idle = false;
    const waiting = q.idle().then(() => (idle = true));
    await flush();
    expect(idle).toBe(false);
    await p.finish('a');
    await waiting;
    expect(idle).toBe(true);
  });
});
