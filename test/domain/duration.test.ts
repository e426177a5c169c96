import fc from 'fast-check';
import { DurationSyntaxError, formatGoDuration, parseGoDuration, tryParseGoDuration } from '../../src/domain/duration';

describe('parseGoDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['2h45m30.5s', 9_930_500],
    ['1m0s', 60_000],
    ['0', 0],
    ['-1m', -60_000],
    ['+2s', 2_000],
    ['1500us', 1.5],
    ['1µs', 0.001],
    ['.5s', 500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', '10', 'm', '1d', '1h 30m', 'ten minutes', '1..5s', '-'])('rejects %j with what is allowed', (text) => {
    expect(() => parseGoDuration(text)).toThrow(DurationSyntaxError);
    expect(() => parseGoDuration(text)).toThrow(/e\.g\. "90s", "30m" or "1h30m"/);
    expect(tryParseGoDuration(text)).toBeUndefined();
  });

  it('returns undefined for non-strings instead of throwing', () => {
    expect(tryParseGoDuration(30)).toBeUndefined();
    expect(tryParseGoDuration(null)).toBeUndefined();
  });
});

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1_500, '1.5s'],
    [45_000, '45s'],
    [191_000, '3m11s'],
    [3_600_000, '1h0m0s'],
    [5_400_000, '1h30m0s'],
    [-90_000, '-1m30s'],
  ])('%d ms → %s (Go time.Duration.String)', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it('round-trips through parseGoDuration at millisecond precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 24 * 3_600_000 }), (ms) => {
        expect(parseGoDuration(formatGoDuration(ms))).toBeCloseTo(ms, 6);
      }),
    );
  });
});
