import {
  DEFAULT_EFFECTIVENESS_SHARDS,
  effectivenessShardCount,
  effectivenessShardFor,
  fmix32,
  fnv1a32,
} from '../../src/domain/effectiveness/sharding';

describe('fmix32', () => {
  it('maps 0 to 0 and mixes a single bit into many', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1).toString(2).replace(/0/g, '').length).toBeGreaterThan(8);
  });
});

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

  it('is the FNV-1a hash of the target, finished with fmix32, modulo the shard count', () => {
    expect(effectivenessShardFor('foobar', 7)).toBe(fmix32(0xbf9cf968) % 7);
  });

  // Recorded once from this implementation: all senders, of every version, must agree; a change here
  // re-routes remediations between monitors.
  it.each([
    { target: 'prod/Deployment/web', shard: 1 },
    { target: 'kube-system/DaemonSet/kube-proxy', shard: 3 },
    { target: 'monitoring/StatefulSet/prometheus', shard: 0 },
  ])('keeps sending $target to shard $shard of 4 across releases', ({ target, shard }) => {
    expect(effectivenessShardFor(target, 4)).toBe(shard);
  });

  it.each([
    { pattern: 'numeric suffixes', target: (i: number) => `prod/Deployment/app-${i}` },
    { pattern: 'numbered namespaces', target: (i: number) => `ns-${i}/Deployment/app` },
    { pattern: 'both', target: (i: number) => `bench-${i % 20}/Deployment/app-${i}` },
  ])('spreads targets with $pattern evenly over the shards', ({ target }) => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[effectivenessShardFor(target(i), 4)] += 1;
    // An even spread puts 100 on each; FNV-1a alone put 0 on some shards for such names.
    for (const n of counts) expect(n).toBeGreaterThan(70);
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
