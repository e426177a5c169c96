/**
 * Which effectiveness monitor receives a remediation.
 *
 * One monitor workflow handles every signal in one history, so it is a throughput ceiling (one workflow
 * task at a time, one history to grow). The monitors are therefore sharded: a fixed number N of monitor
 * workflows `effectiveness-monitor/0 … N-1`, and a remediation goes to
 *
 *     shard = fmix32(FNV-1a-32(UTF-8 bytes of the target string)) mod N
 *
 * FNV-1a alone spreads badly over small N: the low bits of its result depend only on the low bits of
 * each input byte, so targets that differ in a numeric suffix (`…/app-1`, `…/app-2`) landed on 2 of 4
 * shards. MurmurHash3's 32-bit finalizer (fmix32) mixes every bit into every other first.
 *
 * Keyed by the *target* (not the remediation) so that all remediations of one resource land on the same
 * monitor: the per-target view stays in one place should the monitor ever need it, and a burst on one
 * target cannot spread load unpredictably. Exactly-once assessment does not depend on the shard: the
 * assessment workflow id is derived from the remediation and may never run twice, so even two senders
 * disagreeing on N cannot produce two assessments — they would only split the dedupe work.
 *
 * Every sender (the WorkflowExecution workflow's activity, the watcher, the bench) must use the same N:
 * read it with `effectivenessShardCount()` from `KUBERNAUT_EFFECTIVENESS_SHARDS`. Changing N moves
 * targets to other monitors; that is safe (see above) but leaves the old higher-numbered monitors idle.
 */

export const DEFAULT_EFFECTIVENESS_SHARDS = 4;
export const MAX_EFFECTIVENESS_SHARDS = 1024;
export const EFFECTIVENESS_SHARDS_ENV = 'KUBERNAUT_EFFECTIVENESS_SHARDS';

/** Shard count from the environment; a bad value is an error naming the variable, never a silent default. */
export function effectivenessShardCount(env: Record<string, string | undefined> = process.env): number {
  const raw = env[EFFECTIVENESS_SHARDS_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_EFFECTIVENESS_SHARDS;
  const n = Number(raw);
  assertShardCount(n, EFFECTIVENESS_SHARDS_ENV, raw);
  return n;
}

export function assertShardCount(n: number, field = 'shards', given: unknown = n): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_EFFECTIVENESS_SHARDS) {
    throw new Error(`${field}: must be an integer from 1 to ${MAX_EFFECTIVENESS_SHARDS}, got ${JSON.stringify(given)}`);
  }
}

/** 32-bit FNV-1a: tiny, stable across processes, platforms and releases (unlike any runtime hash). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finalizer: a bijection that makes every output bit depend on every input bit. */
export function fmix32(hash: number): number {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function targetHash(target: string): number {
  return fmix32(fnv1a32(target));
}

export function effectivenessShardFor(target: string, shards: number): number {
  assertShardCount(shards);
  return targetHash(target) % shards;
}
