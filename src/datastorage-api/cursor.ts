/**
 * Page cursors: opaque to clients (base64url of a small JSON document), checked strictly when they come
 * back. A cursor carries the sort key of the last item of its page and a fingerprint of the filters it
 * was made for, so a cursor passed with other filters is rejected (400) instead of silently skipping or
 * repeating items; every value in it is validated before it reaches SQL.
 */
import crypto from 'node:crypto';

const VERSION = 1;
/** Microseconds since the epoch: 16 digits reach past the year 2200, and stay far inside bigint. */
const MICROS = /^-?\d{1,16}$/;
const MAX_KEY_CHARS = 512;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A short hash of the filters of a query (key order does not matter, `undefined` values are left out). */
export function filterFingerprint(filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(filters)
      .sort()
      .filter((k) => filters[k] !== undefined)
      .map((k) => [k, filters[k] instanceof Date ? (filters[k] as Date).toISOString() : filters[k]]),
  );
  return crypto.createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/** `[microseconds, text key, …]`: the sort key of the last item of a page. */
export type CursorPosition = [string, ...string[]];

export function encodeCursor(kind: string, fingerprint: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ v: VERSION, k: kind, f: fingerprint, p: position }), 'utf8').toString(
    'base64url',
  );
}

/**
 * The position in `cursor`, or a reason it cannot be used here (not one of ours, made for another
 * endpoint or for other filters).
 */
export function decodeCursor(
  cursor: string,
  kind: string,
  fingerprint: string,
  keys: number,
): { position: CursorPosition } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const c = value as { v?: unknown; k?: unknown; f?: unknown; p?: unknown } | undefined;
  const p = c?.p;
  if (
    typeof c !== 'object' ||
    c === null ||
    c.v !== VERSION ||
    !Array.isArray(p) ||
    p.length !== keys ||
    !p.every((x) => typeof x === 'string') ||
    !MICROS.test(p[0] as string) ||
    !p.slice(1).every((x: string) => x.length > 0 && x.length <= MAX_KEY_CHARS && !CONTROL.test(x))
  )
    return { reason: 'is not a cursor returned by this API (pass nextCursor unchanged)' };
  if (c.k !== kind) return { reason: 'was returned by another endpoint' };
  if (c.f !== fingerprint)
    return { reason: 'was returned for other filters: repeat the query that returned it, changing only cursor' };
  return { position: p as CursorPosition };
}
