/**
 * One phase of the bench: N WorkflowExecutions of the same shape launched at a fixed rate, followed until
 * each has settled (terminal status written and the execution finalizer removed: the worker's last
 * Kubernetes request for it), with the worker's requests and memory measured around the phase.
 */
import crypto from 'node:crypto';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { ACTION_RUNNER_SERVICE_ACCOUNT, KUBERNAUT_API_VERSION, WORKFLOW_EXECUTION } from '../../src/domain/names';
import type { LaunchMode, Launched } from './launch';
import type { ExecutionObserver } from './observer';
import type { PhaseObservations } from './report';
import type { RequestCounter } from './request-counter';
import type { TemporalRequests } from './temporal-requests';
import type { BenchWorker } from './worker-process';
import { cpuSnapshot, type ProcessIds } from './cpu-usage';

export interface PhaseSettings {
  name: string;
  count: number;
  /** Launches per second. */
  rate: number;
  /** Duration of every step (`inputs.simulate.durationMs`, for KWOK's pods or the simulator); 0 = instant. */
  stepDurationMs: number;
  /** The second step exits with code 2 (the third is then skipped): a failed WFE. */
  failSecondStep?: boolean;
  deadlineMs: number;
}

export interface PhaseDependencies {
  namespace: string;
  mode: LaunchMode;
  observer: ExecutionObserver;
  requestCounter: RequestCounter;
  /** The in-repo simulator's API requests so far, when it plays Tekton (`--tekton simulator`). */
  simulatorRequests?: () => Promise<number>;
  /** What the system asked of Temporal so far (absent when the bench uses another Temporal than the stack's). */
  temporalRequests?: () => Promise<TemporalRequests>;
  /** The action image of every step: one the stack's registry serves (Tekton resolves its entrypoint). */
  image: string;
  worker: BenchWorker;
  log: (line: string) => void;
  /** Processes whose CPU time is reported per WFE (name → pid). */
  processes: () => ProcessIds;
}

/** The bench's WFE: a 3-step DAG, one step first and two in parallel after it (like the happy-path test). */
export function benchWorkflowExecution(
  namespace: string,
  phase: string,
  index: number,
  shape: { stepDurationMs: number; failSecondStep?: boolean; hang?: boolean },
  image: string,
) {
  const name = `bench-${phase}-${index}-${crypto.randomBytes(3).toString('hex')}`;
  const simulate = (failing: boolean) => ({
    ...(shape.stepDurationMs > 0 && { durationMs: shape.stepDurationMs }),
    ...(failing && { outcome: 'fail', exitCode: 2 }),
    ...(shape.hang && { outcome: 'hang' }),
  });
  const step = (stepName: string, actionType: string, runAfter?: string[], failing = false) => {
    const directive = simulate(failing);
    return {
      name: stepName,
      actionType,
      image,
      inputs: Object.keys(directive).length ? { simulate: directive } : {},
      ...(runAfter && { runAfter }),
      ...(failing && { retries: 0 }),
    };
  };
  return {
    apiVersion: KUBERNAUT_API_VERSION,
    kind: WORKFLOW_EXECUTION.kind,
    metadata: { name, namespace },
    spec: {
      remediationRequestRef: { name: `rr-${name}` },
      // A target of its own: every WFE finds its target free, so the per-target lock (issue #12) never makes
      // one wait for another and the figures are those of the execution path.
      targetResource: `${namespace}/Deployment/${name}`,
      // The runner account prepareWorkflowNamespace creates: the only one the worker's default policy allows.
      serviceAccountName: ACTION_RUNNER_SERVICE_ACCOUNT,
      steps: [
        step('restart-pods', 'kubernetes/restart_pod'),
        step('scale-deployment', 'kubernetes/scale_deployment', ['restart-pods'], shape.failSecondStep),
        step('create-pr', 'gitops/create_pr', ['restart-pods']),
      ],
    },
  } as KubernetesObject;
}

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

export async function runPhase(d: PhaseDependencies, s: PhaseSettings): Promise<PhaseObservations> {
  const manifests = Array.from({ length: s.count }, (_, i) =>
    benchWorkflowExecution(d.namespace, s.name, i, s, d.image),
  );
  await d.mode.prepare(manifests);
  d.log(`${s.name}: ${s.count} WorkflowExecutions prepared; launching at ${s.rate}/s`);

  const workerBefore = await d.requestCounter.counts();
  const simulatorBefore = (await d.simulatorRequests?.()) ?? 0;
  const temporalBefore = await d.temporalRequests?.();
  const cpuBefore = cpuSnapshot(d.processes());
  d.worker.resetPeak();
  const sampler = setInterval(() => d.worker.sample(), 500);

  const launched: Launched[] = [];
  const launchFailures: string[] = [];
  const launches: Promise<void>[] = [];
  const t0 = Date.now();
  try {
    for (let i = 0; i < s.count; i++) {
      await sleepUntil(t0 + (i * 1000) / s.rate); // the fixed rate: launches do not wait for each other
      launches.push(
        d.mode.launch(i).then(
          (l) => void launched.push(l),
          (err: unknown) => void launchFailures.push(String(err)),
        ),
      );
    }
    await Promise.all(launches);
    d.log(`${s.name}: launched in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting for every WFE to settle`);
    await d.observer.waitUntilSettled(
      launched.map((l) => l.uid),
      t0 + s.deadlineMs,
    );
    d.worker.assertAlive();
  } finally {
    clearInterval(sampler);
  }
  d.worker.sample();
  const memory = d.worker.memory();
  return {
    name: s.name,
    stepDurationMs: s.stepDurationMs,
    launched,
    launchFailures,
    timelines: d.observer.timelines,
    workerRequests: { before: workerBefore, after: await d.requestCounter.counts() },
    simulatorRequests: { before: simulatorBefore, after: (await d.simulatorRequests?.()) ?? 0 },
    cpu: { before: cpuBefore, after: cpuSnapshot(d.processes()) },
    temporalRequests: temporalBefore &&
      d.temporalRequests && { before: temporalBefore, after: await d.temporalRequests() },
    workerMemory: {
      peakSampledRssMb: d.worker.sampledPeakRssMb(),
      endRssMb: memory?.rssMb,
      highWaterMarkMb: memory?.peakRssMb,
    },
  };
}
