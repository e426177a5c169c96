import { formatGoDuration, parseGoDuration } from '../../src/tekton-simulator/go-duration';

const SECOND = 1e9;

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30 * SECOND],
    ['1h', 3600 * SECOND],
    ['1h30m', 5400 * SECOND],
    ['1h0m0s', 3600 * SECOND],
    ['1.5h', 5400 * SECOND],
    ['250ms', 0.25 * SECOND],
    ['1m0.5s', 60.5 * SECOND],
    ['2us', 2000],
    ['2µs', 2000],
    ['7ns', 7],
  ])('reads %s', (text, nanos) => {
    expect(parseGoDuration(text)).toBe(nanos);
  });

  it.each(['', '10', 'abc', '1d', '-1s', '1h 30m'])('rejects %j and says what a duration looks like', (text) => {
    expect(() => parseGoDuration(text)).toThrow(/Go duration such as "30s"/);
  });
});

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [30 * SECOND, '30s'],
    [3600 * SECOND, '1h0m0s'],
    [90 * SECOND, '1m30s'],
    [1.5 * SECOND, '1.5s'],
    [0.25 * SECOND, '250ms'],
    [1500, '1.5µs'],
    [120 * SECOND, '2m0s'],
  ])('prints %d ns as Go does: %s', (nanos, text) => {
    expect(formatGoDuration(nanos)).toBe(text);
  });

  it('round-trips what Tekton re-serialises', () => {
    for (const text of ['1h0m0s', '30m0s', '45s', '1m30s', '2h5m10.5s']) {
      expect(formatGoDuration(parseGoDuration(text))).toBe(text);
    }
  });
});
