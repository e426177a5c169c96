import { findCycles, topologicalOrder } from '../../src/domain/dag';

const graph = (edges: Record<string, string[]>) =>
  Object.entries(edges).map(([name, runAfter]) => ({ name, runAfter }));

describe('findCycles', () => {
  it('finds nothing in a DAG', () => {
    expect(findCycles(graph({ a: [], b: ['a'], c: ['a', 'b'] }))).toEqual([]);
  });

  it('reports a cycle as the path of waits, closed on its first step', () => {
    const [cycle] = findCycles(graph({ a: ['c'], b: ['a'], c: ['b'] }));
    expect(cycle.names).toEqual(['a', 'c', 'b', 'a']);
    expect(cycle.closingEdge).toEqual({ stepIndex: 1, runAfterIndex: 0 });
  });

  it('ignores self-references and unknown names (reported separately)', () => {
    expect(findCycles(graph({ a: ['a', 'ghost'] }))).toEqual([]);
  });

  it('handles a long chain without recursion limits', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => ({ name: `s${i}`, runAfter: i === 0 ? [] : [`s${i - 1}`] }));
    expect(findCycles(chain)).toEqual([]);
  });
});

describe('topologicalOrder', () => {
  it('puts every step after the steps it waits for', () => {
    const order = topologicalOrder(graph({ gitops: ['restart', 'scale'], restart: [], scale: [] }))!;
    expect(order.indexOf('gitops')).toBeGreaterThan(order.indexOf('restart'));
    expect(order.indexOf('gitops')).toBeGreaterThan(order.indexOf('scale'));
  });

  it('is undefined for a cycle', () => {
    expect(topologicalOrder(graph({ a: ['b'], b: ['a'] }))).toBeUndefined();
  });
});
