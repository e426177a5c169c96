/**
 * A small time-bounded cache of authentication and authorization decisions, so a client sending many
 * requests costs the API server one TokenReview and one SubjectAccessReview per TTL, not per request.
 *
 * Allowed and denied decisions have their own TTL (denials short, so a new RoleBinding takes effect
 * quickly). Size is bounded: random tokens from a misbehaving client cannot grow memory; the oldest
 * entry goes first. Keys are hashes, never raw tokens. Failures (API server unreachable) are not cached.
 */
export class DecisionCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly o: { maxEntries: number; ttlMs: (value: V) => number; now?: () => number }) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    const ttl = this.o.ttlMs(value);
    if (ttl <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttl });
    while (this.entries.size > this.o.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, or the one `compute` resolves to (cached by its own TTL); concurrent misses share one call. */
  async getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = compute().then(
        (v) => {
          this.inflight.delete(key);
          this.set(key, v);
          return v;
        },
        (err: unknown) => {
          this.inflight.delete(key);
          throw err;
        },
      );
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private readonly inflight = new Map<string, Promise<V>>();
}
