/**
 * A keyed work queue in the style of client-go's workqueue: a key is reconciled by at most one worker at a
 * time (events arriving meanwhile mark it dirty and it runs once more afterwards), at most `concurrency`
 * keys run at once, and a key can be scheduled for later (the earliest requested time wins). So two events
 * for one PipelineRun never produce overlapping decisions in this process, and a burst of events costs one
 * reconcile, not one per event.
 */

export class ReconcileQueue {
  private readonly pending = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; handle: NodeJS.Timeout }>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly concurrency: number,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  get depth(): number {
    return this.pending.size + this.active.size;
  }

  enqueue(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) this.dirty.add(key);
    else this.pending.add(key);
    this.pump();
  }

  /** Reconciles `key` at `atMs` (epoch ms) unless an earlier wake-up is already set. */
  enqueueAt(key: string, atMs: number): void {
    if (this.stopped) return;
    const delay = atMs - Date.now();
    if (delay <= 0) return this.enqueue(key);
    const existing = this.timers.get(key);
    if (existing && existing.at <= atMs) return;
    if (existing) clearTimeout(existing.handle);
    const handle = setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, delay);
    handle.unref?.();
    this.timers.set(key, { at: atMs, handle });
  }

  forget(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer.handle);
    this.timers.delete(key);
    this.pending.delete(key);
  }

  /** Stops taking work and resolves once the reconciles in progress have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
    this.pending.clear();
    this.dirty.clear();
    if (this.active.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    for (const key of this.pending) {
      if (this.active.size >= this.concurrency) return;
      if (this.active.has(key)) continue;
      this.pending.delete(key);
      this.active.add(key);
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.reconcile(key);
    } catch (err) {
      this.onError(key, err);
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key) && !this.stopped) this.pending.add(key);
      if (this.active.size === 0 && this.stopped) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      if (!this.stopped) this.pump();
    }
  }
}
