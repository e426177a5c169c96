/**
 * A bounded set of recently seen keys that forgets the least recently seen one when full.
 *
 * The effectiveness monitor uses it to ignore duplicate `remediationTerminal` signals without asking the
 * server. It must be bounded because it is carried into every continue-as-new as workflow input (payloads
 * have a size limit, and history should not grow with the number of remediations ever seen). Forgetting
 * is safe: the assessment workflow id is derived from the remediation and may never run twice, so a
 * forgotten duplicate costs one rejected child start, never a second assessment.
 *
 * Pure and deterministic (a Map keeps insertion order), so it runs in workflow code.
 */
export class RecentSet {
  private readonly keys = new Map<string, true>();

  constructor(
    readonly capacity: number,
    initial: readonly string[] = [],
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`dedupeCapacity: must be a positive integer, got ${JSON.stringify(capacity)}`);
    }
    for (const key of initial) this.add(key);
  }

  /** Adds `key` as the most recent; returns false when it was already present (a duplicate). */
  add(key: string): boolean {
    const seen = this.keys.delete(key);
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
    }
    return !seen;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  /** Oldest first, so `new RecentSet(capacity, set.toArray())` restores the same order. */
  toArray(): string[] {
    return [...this.keys.keys()];
  }
}
