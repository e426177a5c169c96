/**
 * The step graph of a WFE: steps are nodes, `runAfter` entries are edges "step waits for dependency".
 * Tekton rejects a PipelineRun whose graph is broken only after it was created (PipelineInvalidGraph);
 * finding the problem here turns it into a ConfigurationError that names the steps, before any action runs.
 */

export interface StepNode {
  name: string;
  runAfter: readonly string[];
}

export interface DagEdgeRef {
  /** Index of the step holding the runAfter entry. */
  stepIndex: number;
  /** Index of the entry in that step's runAfter. */
  runAfterIndex: number;
}

/** A cycle as step names, first name repeated at the end: ["a", "b", "a"] means a waits for b waits for a. */
export interface DagCycle {
  names: string[];
  /** The runAfter entry that closes the cycle (the back edge found by the search). */
  closingEdge: DagEdgeRef;
}

/**
 * Every cycle reachable by a depth-first search, each reported once through the edge that closes it.
 * Self-dependencies and unknown names are ignored here (validation reports them on their own).
 * Iterative so a long chain cannot overflow the stack.
 */
export function findCycles(steps: readonly StepNode[]): DagCycle[] {
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!index.has(s.name)) index.set(s.name, i);
  });
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const colour = new Array<number>(steps.length).fill(WHITE);
  const cycles: DagCycle[] = [];

  for (let root = 0; root < steps.length; root++) {
    if (colour[root] !== WHITE) continue;
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    colour[root] = GREY;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const deps = steps[frame.node].runAfter;
      if (frame.next >= deps.length) {
        colour[frame.node] = BLACK;
        stack.pop();
        continue;
      }
      const runAfterIndex = frame.next++;
      const dep = index.get(deps[runAfterIndex]);
      if (dep === undefined || dep === frame.node) continue;
      if (colour[dep] === GREY) {
        const from = stack.findIndex((f) => f.node === dep);
        const names = stack.slice(from).map((f) => steps[f.node].name);
        cycles.push({ names: [...names, steps[dep].name], closingEdge: { stepIndex: frame.node, runAfterIndex } });
      } else if (colour[dep] === WHITE) {
        colour[dep] = GREY;
        stack.push({ node: dep, next: 0 });
      }
    }
  }
  return cycles;
}

/** Steps in an order where every step comes after the steps it waits for (Kahn); undefined on a cycle. */
export function topologicalOrder(steps: readonly StepNode[]): string[] | undefined {
  const known = new Set(steps.map((s) => s.name));
  const waiting = new Map(steps.map((s) => [s.name, new Set(s.runAfter.filter((d) => known.has(d)))]));
  const order: string[] = [];
  let ready = steps.filter((s) => waiting.get(s.name)!.size === 0).map((s) => s.name);
  while (ready.length > 0) {
    order.push(...ready);
    const done = new Set(ready);
    ready = [];
    for (const [name, deps] of waiting) {
      if (deps.size === 0) continue;
      for (const d of done) deps.delete(d);
      if (deps.size === 0) ready.push(name);
    }
  }
  return order.length === steps.length ? order : undefined;
}
