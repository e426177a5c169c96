import {
  DEFAULT_EFFECTIVENESS_SHARDS,
  effectivenessShardCount,
  effectivenessShardFor,
  fnv1a32,
} from '../../src/domain/effectiveness/sharding';

describe('fnv1a32', () => {
  it.each([
    { text: '', hash: 0x811c9dc5 },
    { text: 'a', hash: 0xe40c292c },
    { text: 'foobar', hash: 0xbf9cf968 },
  ])('matches the published FNV-1a test vector for "$text"', ({ text, hash }) => {
    expect(fnv1a32(text)).toBe(hash);
  });
});

describe('effectivenessShardFor', () => {
  it('sends every remediation of one target to the same monitor', () => {
    expect(effectivenessShardFor('prod/Deployment/web', 4)).toBe(effectivenessShardFor('prod/Deployment/web', 4));
  });

  it('is the FNV-1a hash of the target modulo the shard count', () => {
    expect(effectivenessShardFor('foobar', 7)).toBe(0xbf9cf968 % 7);
  });

  it('spreads many targets over all shards', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => effectivenessShardFor(`ns-${i}/Deployment/app`, 4)));
    expect([...used].sort()).toEqual([0, 1, 2, 3]);
  });

  it('rejects a shard count that is not a positive integer', () => {
    expect(() => effectivenessShardFor('a/B/c', 0)).toThrow('shards: must be an integer from 1 to 1024, got 0');
  });
});

describe('effectivenessShardCount', () => {
  it(`defaults to ${DEFAULT_EFFECTIVENESS_SHARDS}`, () => {
    expect(effectivenessShardCount({})).toBe(DEFAULT_EFFECTIVENESS_SHARDS);
  });
  it('reads KUBERNAUT_EFFECTIVENESS_SHARDS', () => {
    expect(effectivenessShardCount({ KUBERNAUT_EFFECTIVENESS_SHARDS: '16' })).toBe(16);
  });
  it('names the variable when its value is wrong', () => {
    expect(() => effectivenessShardCount({ KUBERNAUT_EFFECTIVENESS_SHARDS: 'four' })).toThrow(
      'KUBERNAUT_EFFECTIVENESS_SHARDS: must be an integer from 1 to 1024, got "four"',
    );
  });
});
