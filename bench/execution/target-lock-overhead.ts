/**
 * What the per-target lock (issue #12) adds to start → PipelineRun created on a free target, measured against
 * the same run without it: instant phases alternate between a worker with the lock and one without, so both
 * see the same machine, the same stack and the same load drift. Every WFE has a target of its own.
 */
import os from 'node:os';
import { summarize } from '../datastorage/latency';
import type { LaunchMode } from './launch';
import { runPhase, type PhaseDependencies } from './phase';
import type { PhaseObservations } from './report';
import type { BenchWorker } from './worker-process';

const ROUNDS = 4;
/** Issue #12's target: what the lock may add at p99 on a free target. */
const TARGET_ADDED_P99_MS = 50;

interface Side {
  mode: LaunchMode;
  worker: BenchWorker;
}

/** start requested → PipelineRun's first watch event, per WFE of the phase (ms). */
function startToPipelineRun(o: PhaseObservations): number[] {
  return o.launched.flatMap((l) => {
    const created = o.timelines.get(l.uid)?.pipelineRunCreatedAt;
    return created === undefined ? [] : [created - l.startRequestedAt];
  });
}

export async function compareTargetLock(input: {
  deps: PhaseDependencies;
  withLock: Side;
  withoutLock: Side;
  count: number;
  rate: number;
  deadlineMs: number;
}) {
  const samples = { withLock: [] as number[], withoutLock: [] as number[] };
  const perRound = Math.max(1, Math.round(input.count / ROUNDS));
  const loadBefore = os.loadavg()[0]!;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so neither always follows the other's leftovers.
    const order = round % 2 === 0 ? (['withoutLock', 'withLock'] as const) : (['withLock', 'withoutLock'] as const);
    for (const side of order) {
      const { mode, worker } = input[side];
      const observed = await runPhase(
        { ...input.deps, mode, worker },
        {
          name: `${side === 'withLock' ? 'lock' : 'nolock'}${round}`,
          count: perRound,
          rate: input.rate,
          stepDurationMs: 0,
          deadlineMs: input.deadlineMs,
        },
      );
      samples[side].push(...startToPipelineRun(observed));
    }
  }
  const withLock = summarize(samples.withLock);
  const withoutLock = summarize(samples.withoutLock);
  const addedP99Ms = Math.round((withLock.p99 - withoutLock.p99) * 10) / 10;
  return {
    targetLockOverhead: {
      what: 'start requested → PipelineRun created (ms), every WFE on a free target of its own',
      rounds: ROUNDS,
      workflowExecutionsPerSide: samples.withLock.length,
      ratePerSecond: input.rate,
      withLock,
      withoutLock,
      addedMs: {
        p50: Math.round((withLock.p50 - withoutLock.p50) * 10) / 10,
        p99: addedP99Ms,
      },
      target: { addedP99Ms: TARGET_ADDED_P99_MS, met: addedP99Ms <= TARGET_ADDED_P99_MS },
    },
    machine: { cpus: os.cpus().length, loadAverage1m: { before: loadBefore, after: os.loadavg()[0]! } },
  };
}
