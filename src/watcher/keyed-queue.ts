/**
 * The watcher's work queue: one slot per key (a resource uid), like client-go's workqueue.
 *
 * - Per key, at most one item waits and one is processed: a newer event for a key replaces the waiting
 *   one (the decision only needs the latest state), and a key is never processed twice at once, so events
 *   of one resource are handled in order and a burst of status updates costs one decision.
 * - A failed item (Temporal or the API server unavailable) is retried with jittered exponential backoff;
 *   it keeps its slot meanwhile, and a newer event for it is picked up by the retry. Events are retried,
 *   never dropped because of a failure.
 * - The number of keys is bounded (`capacity`). When full, an event for a *new* key is refused and counted:
 *   that is the back-pressure, and it is safe because the informers' periodic relist offers every object
 *   again, so a refused event is recovered within one resync period. Memory stays bounded however large
 *   the burst or however long Temporal is down.
 * - At most `concurrency` keys are processed at once (the load the watcher puts on Temporal).
 */
export type OfferOutcome = 'queued' | 'coalesced' | 'refused';

export interface KeyedQueueOptions<T> {
  process: (key: string, item: T) => Promise<void>;
  /** Combines a waiting item with a newer one for the same key; default: the newer one replaces it. */
  merge?: (older: T, newer: T) => T;
  /** Keys waiting, retrying or in process at most. */
  capacity: number;
  concurrency: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** A processing failure, and the delay before its retry. */
  onRetry?: (key: string, item: T, err: unknown, attempt: number, delayMs: number) => void;
  /** Replaces Math.random for the jitter (tests). */
  random?: () => number;
}

interface Slot<T> {
  item: T;
  state: 'ready' | 'running' | 'backoff';
  /** A newer item arrived while this key was being processed: process it again afterwards. */
  dirty: boolean;
  attempts: number;
  timer?: NodeJS.Timeout;
}

export interface KeyedQueueStats {
  depth: number;
  running: number;
  backingOff: number;
  processed: number;
  failures: number;
  refused: number;
  coalesced: number;
}

export class KeyedQueue<T> {
  private readonly slots = new Map<string, Slot<T>>();
  /** Keys in the order they became ready (a key appears at most once). */
  private readonly ready: string[] = [];
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counters = { processed: 0, failures: 0, refused: 0, coalesced: 0 };

  constructor(private readonly o: KeyedQueueOptions<T>) {
    if (!(o.capacity >= 1)) throw new Error(`capacity: must be >= 1, got ${o.capacity}`);
    if (!(o.concurrency >= 1)) throw new Error(`concurrency: must be >= 1, got ${o.concurrency}`);
  }

  offer(key: string, item: T): OfferOutcome {
    if (this.stopped) return 'refused';
    const slot = this.slots.get(key);
    if (slot) {
      slot.item = this.o.merge ? this.o.merge(slot.item, item) : item;
      if (slot.state === 'running') slot.dirty = true;
      this.counters.coalesced++;
      return 'coalesced';
    }
    if (this.slots.size >= this.o.capacity) {
      this.counters.refused++;
      return 'refused';
    }
    this.slots.set(key, { item, state: 'ready', dirty: false, attempts: 0 });
    this.ready.push(key);
    this.pump();
    return 'queued';
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  stats(): KeyedQueueStats {
    let backingOff = 0;
    for (const s of this.slots.values()) if (s.state === 'backoff') backingOff++;
    return { depth: this.slots.size, running: this.running, backingOff, ...this.counters };
  }

  /** Resolves when nothing is queued, retrying or running (tests, benchmarks). */
  idle(): Promise<void> {
    if (this.slots.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking and starting work; resolves when the items in process have finished (or after `graceMs`).
   * Items still waiting are abandoned: the next watcher (or replica) finds them by listing.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const s of this.slots.values()) clearTimeout(s.timer);
    if (this.running === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, graceMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private pump(): void {
    while (!this.stopped && this.running < this.o.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const slot = this.slots.get(key);
      if (!slot || slot.state !== 'ready') continue;
      void this.run(key, slot);
    }
  }

  private async run(key: string, slot: Slot<T>): Promise<void> {
    slot.state = 'running';
    slot.dirty = false;
    this.running++;
    const item = slot.item;
    try {
      await this.o.process(key, item);
      this.counters.processed++;
      slot.attempts = 0;
      if (slot.dirty) this.makeReady(key, slot);
      else this.slots.delete(key);
    } catch (err) {
      this.counters.failures++;
      slot.attempts++;
      const delay = this.backoff(slot.attempts);
      slot.state = 'backoff';
      this.o.onRetry?.(key, slot.item, err, slot.attempts, delay);
      if (!this.stopped) {
        slot.timer = setTimeout(() => this.makeReady(key, slot), delay);
        slot.timer.unref?.();
      }
    } finally {
      this.running--;
      this.pump();
      this.notifyIdle();
    }
  }

  private makeReady(key: string, slot: Slot<T>): void {
    slot.state = 'ready';
    slot.timer = undefined;
    this.ready.push(key);
    this.pump();
  }

  private backoff(attempt: number): number {
    const initial = this.o.retryInitialMs ?? 200;
    const max = this.o.retryMaxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
    return Math.round(base * (0.5 + (this.o.random ?? Math.random)() / 2));
  }

  private notifyIdle(): void {
    const quiet = this.stopped ? this.running === 0 : this.slots.size === 0;
    if (!quiet) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
