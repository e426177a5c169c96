import { retryDelayMs, startWhenReachable } from '../../src/workers/wait-for-temporal';

const backoff = { initialMs: 500, maxMs: 10_000 };

describe('retryDelayMs', () => {
  it.each([
    // attempt, random, delay: doubling from 500 ms, capped at 10 s, drawn from the upper half
    [1, 1, 500],
    [1, 0, 250],
    [2, 1, 1_000],
    [3, 0.5, 1_500],
    [5, 1, 8_000],
    [6, 1, 10_000],
    [6, 0, 5_000],
    [1_000, 1, 10_000],
  ])('waits after attempt %i (random %f) %i ms', (attempt, random, expected) => {
    expect(retryDelayMs(attempt, backoff, () => random)).toBe(expected);
  });
});

class Unavailable extends Error {}

describe('startWhenReachable', () => {
  const quick = { initialMs: 1, maxMs: 2 };
  const isUnavailable = (err: unknown) => err instanceof Unavailable;

  it('retries while the server is unavailable and returns what the first successful attempt returns', async () => {
    let calls = 0;
    const failures: number[] = [];
    const result = await startWhenReachable(
      async () => {
        calls++;
        if (calls < 4) throw new Unavailable('connection refused');
        return 'worker';
      },
      { backoff: quick, isUnavailable, onFailedAttempt: ({ attempt }) => failures.push(attempt) },
    );
    expect(result).toBe('worker');
    expect(failures).toEqual([1, 2, 3]);
  });

  it('throws any other error at once: a bug is not an outage', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new Error('bundling failed');
    };
    await expect(startWhenReachable(attempt, { backoff: quick, isUnavailable })).rejects.toThrow('bundling failed');
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted (SIGTERM before Temporal answered) and resolves undefined', async () => {
    const stop = new AbortController();
    const result = startWhenReachable(
      async () => {
        throw new Unavailable('connection refused');
      },
      {
        backoff: { initialMs: 60_000, maxMs: 60_000 },
        isUnavailable,
        signal: stop.signal,
        onFailedAttempt: () => stop.abort(),
      },
    );
    await expect(result).resolves.toBeUndefined();
  });
});
