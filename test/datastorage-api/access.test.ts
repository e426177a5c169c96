// The pieces of access control that need no server: reading bearer tokens, the token file of the
// static-token mode, and the decision cache in front of the API server's reviews.
import { bearerToken, AuthBackendError, type AccessReviewer } from '../../src/datastorage-api/auth/access';
import { cachedReviewer } from '../../src/datastorage-api/auth/cached-reviewer';
import { DecisionCache } from '../../src/datastorage-api/auth/decision-cache';
import { parseTokenFile, staticTokenReviewer } from '../../src/datastorage-api/auth/static-tokens';
import { DATASTORAGE_ACCESS } from '../../src/datastorage-api/auth/access';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def-ghi', { token: 'abc.def-ghi' }],
    ['bearer   abc', { token: 'abc' }],
    [undefined, { reason: expect.stringMatching(/no Authorization header/) }],
    ['Basic dXNlcjpwYXNz', { reason: expect.stringMatching(/not of the form Bearer/) }],
    ['Bearer', { reason: expect.stringMatching(/not of the form Bearer/) }],
    ['Bearer a b', { reason: expect.stringMatching(/not of the form Bearer/) }],
    [['Bearer a', 'Bearer b'], { reason: expect.stringMatching(/more than one/) }],
    [`Bearer ${'x'.repeat(16_385)}`, { reason: expect.stringMatching(/too long/) }],
  ])('reads %j', (header, expected) => {
    expect(bearerToken(header as string | string[] | undefined)).toEqual(expected);
  });
});

describe('parseTokenFile', () => {
  it('reads tokens, users, uids and quoted group lists, skipping comments and blank lines', async () => {
    const tokens = parseTokenFile(
      [
        '# pattern monitoring',
        'aaaaaaaaaaaaaaaa-token-1,pattern-monitor,uid-1,"monitoring,readers"',
        '',
        'bbbbbbbbbbbbbbbb-token-2,ops',
      ].join('\n'),
    );
    const reviewer = staticTokenReviewer(tokens);
    expect(await reviewer.authenticate('aaaaaaaaaaaaaaaa-token-1')).toEqual({
      authenticated: true,
      identity: { user: 'pattern-monitor', uid: 'uid-1', groups: ['monitoring', 'readers'] },
    });
    expect(await reviewer.authenticate('bbbbbbbbbbbbbbbb-token-2')).toEqual({
      authenticated: true,
      identity: { user: 'ops', groups: [] },
    });
    expect(await reviewer.authenticate('cccccccccccccccc-token-3')).toMatchObject({ authenticated: false });
    expect(await reviewer.authorize({ user: 'ops', groups: [] }, DATASTORAGE_ACCESS.listActionRecords)).toEqual({
      allowed: true,
    });
  });

  it('names every bad line', () => {
    expect(() =>
      parseTokenFile(
        ['justatokenwithoutuser', 'short,user', 'dddddddddddddddd-token,a', 'dddddddddddddddd-token,b'].join('\n'),
        'tokens.csv',
      ),
    ).toThrow(
      [
        'invalid tokens.csv:',
        '  tokens.csv:1: expected token,user[,uid[,"group1,group2"]]',
        '  tokens.csv:2: the token must be at least 16 characters',
        '  tokens.csv:4: the token is listed twice',
      ].join('\n'),
    );
    expect(() => parseTokenFile('# nothing\n')).toThrow(/lists no token/);
  });
});

describe('DecisionCache', () => {
  it('forgets entries after their own TTL and the oldest entry when full', () => {
    let now = 0;
    const cache = new DecisionCache<boolean>({ maxEntries: 2, now: () => now, ttlMs: (v) => (v ? 1000 : 100) });
    cache.set('allowed', true);
    cache.set('denied', false);
    now = 150;
    expect([cache.get('allowed'), cache.get('denied')]).toEqual([true, undefined]);
    cache.set('b', true);
    cache.set('c', true);
    expect([cache.get('allowed'), cache.get('b'), cache.get('c'), cache.size]).toEqual([undefined, true, true, 2]);
  });
});

describe('cachedReviewer', () => {
  function countingReviewer(fail = { authenticate: false }) {
    const calls = { authenticate: 0, authorize: 0 };
    const reviewer: AccessReviewer = {
      async authenticate(token) {
        calls.authenticate++;
        if (fail.authenticate) throw new AuthBackendError('down');
        return token === 'good'
          ? { authenticated: true, identity: { user: 'u', groups: ['g'] } }
          : { authenticated: false, reason: 'bad' };
      },
      async authorize(_identity, access) {
        calls.authorize++;
        return access.verb === 'list' ? { allowed: true } : { allowed: false, reason: 'no' };
      },
    };
    return { reviewer, calls };
  }

  it('asks once per token and per decision within the TTL, and again after it', async () => {
    let now = 0;
    const { reviewer, calls } = countingReviewer();
    const cached = cachedReviewer(reviewer, { allowedTtlMs: 1000, deniedTtlMs: 100, now: () => now });
    const identity = { user: 'u', groups: ['g'] };
    for (let i = 0; i < 5; i++) {
      await cached.authenticate('good');
      await cached.authenticate('bad');
      await cached.authorize(identity, DATASTORAGE_ACCESS.listActionRecords);
      await cached.authorize(identity, DATASTORAGE_ACCESS.getAssessment);
    }
    expect(calls).toEqual({ authenticate: 2, authorize: 2 });
    now = 500; // denials expired, allowances not
    await cached.authenticate('good');
    await cached.authenticate('bad');
    await cached.authorize(identity, DATASTORAGE_ACCESS.getAssessment);
    expect(calls).toEqual({ authenticate: 3, authorize: 3 });
  });

  it('shares one review between concurrent requests with the same token', async () => {
    const { reviewer, calls } = countingReviewer();
    const cached = cachedReviewer(reviewer, { allowedTtlMs: 1000, deniedTtlMs: 100 });
    await Promise.all(Array.from({ length: 20 }, () => cached.authenticate('good')));
    expect(calls.authenticate).toBe(1);
  });

  it('does not remember that the API server was unreachable', async () => {
    const fail = { authenticate: true };
    const { reviewer, calls } = countingReviewer(fail);
    const cached = cachedReviewer(reviewer, { allowedTtlMs: 1000, deniedTtlMs: 1000 });
    await expect(cached.authenticate('good')).rejects.toBeInstanceOf(AuthBackendError);
    fail.authenticate = false;
    await expect(cached.authenticate('good')).resolves.toMatchObject({ authenticated: true });
    expect(calls.authenticate).toBe(2);
  });
});
