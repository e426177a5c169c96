/** An AccessReviewer whose decisions are reused for a while (decision-cache.ts explains the rules). */
import crypto from 'node:crypto';
import type { AccessAttributes, AccessReviewer, AuthenticationResult, AuthorizationResult, Identity } from './access';
import { DecisionCache } from './decision-cache';

export interface CacheOptions {
  allowedTtlMs: number;
  deniedTtlMs: number;
  maxEntries?: number;
  now?: () => number;
  /** Told about each cache hit or miss (metrics). */
  onLookup?: (kind: 'authentication' | 'authorization', hit: boolean) => void;
}

const hash = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');

export function cachedReviewer(inner: AccessReviewer, o: CacheOptions): AccessReviewer {
  const maxEntries = o.maxEntries ?? 10_000;
  const tokens = new DecisionCache<AuthenticationResult>({
    maxEntries,
    now: o.now,
    ttlMs: (r) => (r.authenticated ? o.allowedTtlMs : o.deniedTtlMs),
  });
  const decisions = new DecisionCache<AuthorizationResult>({
    maxEntries,
    now: o.now,
    ttlMs: (r) => (r.allowed ? o.allowedTtlMs : o.deniedTtlMs),
  });
  const lookup = async <V>(
    kind: 'authentication' | 'authorization',
    cache: DecisionCache<V>,
    key: string,
    compute: () => Promise<V>,
  ) => {
    const hit = cache.get(key) !== undefined;
    o.onLookup?.(kind, hit);
    return cache.getOrCompute(key, compute);
  };
  return {
    authenticate: (token) => lookup('authentication', tokens, hash(token), () => inner.authenticate(token)),
    authorize: (identity: Identity, access: AccessAttributes) =>
      lookup(
        'authorization',
        decisions,
        hash(JSON.stringify([identity.user, identity.uid, [...identity.groups].sort(), identity.extra, access])),
        () => inner.authorize(identity, access),
      ),
  };
}
