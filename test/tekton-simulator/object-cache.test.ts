import { ObjectCache } from '../../src/tekton-simulator/object-cache';

const object = (namespace: string, name: string, resourceVersion: string, uid = `uid-${name}`) => ({
  metadata: { namespace, name, resourceVersion, uid },
});

describe('ObjectCache', () => {
  it("keeps the newer version when an older one arrives late (a watch event after our own write's response)", () => {
    const cache = new ObjectCache<ReturnType<typeof object>>();
    cache.upsert(object('ns', 'pr', '120'));
    expect(cache.upsert(object('ns', 'pr', '118'))).toBe(false);
    expect(cache.get('ns/pr')?.metadata.resourceVersion).toBe('120');
    expect(cache.upsert(object('ns', 'pr', '121'))).toBe(true);
  });

  it('lets the latest arrival win when resourceVersions are not integers', () => {
    const cache = new ObjectCache<ReturnType<typeof object>>();
    cache.upsert(object('ns', 'pr', 'b'));
    cache.upsert(object('ns', 'pr', 'a'));
    expect(cache.get('ns/pr')?.metadata.resourceVersion).toBe('a');
  });

  it('drops what a full list lacks, except objects written after the list was taken', () => {
    const cache = new ObjectCache<ReturnType<typeof object>>();
    cache.upsert(object('ns', 'deleted', '100'));
    cache.upsert(object('ns', 'written-after-list', '300'));
    cache.upsert(object('ns', 'kept', '150'));
    const dropped = cache.replaceAll([object('ns', 'kept', '150'), object('ns', 'new', '190')], '200');
    expect(dropped.map((o) => o.metadata.name)).toEqual(['deleted']);
    expect([...cache.values()].map((o) => o.metadata.name).sort()).toEqual(['kept', 'new', 'written-after-list']);
  });

  it('only reconciles the namespace a list was taken in', () => {
    const cache = new ObjectCache<ReturnType<typeof object>>();
    cache.upsert(object('a', 'x', '10'));
    cache.upsert(object('b', 'y', '10'));
    expect(cache.replaceAll([], '50', 'a').map((o) => o.metadata.name)).toEqual(['x']);
    expect(cache.get('b/y')).toBeDefined();
  });

  it('removes an object only when the uid matches the incarnation asked for', () => {
    const cache = new ObjectCache<ReturnType<typeof object>>();
    cache.upsert(object('ns', 'pr', '10', 'new-uid'));
    expect(cache.remove('ns/pr', 'old-uid')).toBeUndefined();
    expect(cache.remove('ns/pr', 'new-uid')?.metadata.uid).toBe('new-uid');
    expect(cache.size).toBe(0);
  });
});
