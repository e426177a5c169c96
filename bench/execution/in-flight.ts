/**
 * Worker memory per WorkflowExecution in flight: N WFEs whose steps never end are launched, and once each
 * has its PipelineRun (its workflow is cached and its waiting activity runs) the worker's resident memory
 * is sampled for a few seconds; (median RSS − idle RSS) / N is the cost of one execution in flight —
 * cached workflow, waiting activity, and its share of the PipelineRun/TaskRun caches. The workflows are
 * terminated afterwards (the namespace is cleaned with the rest of the bench's objects).
 */
import type { Client } from '@temporalio/client';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import { inBatches } from './launch';
import { benchWorkflowExecution, type PhaseDependencies } from './phase';

export interface InFlightReport {
  workflowExecutions: number;
  /** How many had their PipelineRun when memory was sampled (should be all). */
  withPipelineRun: number;
  workerRssMb: { idle?: number; inFlightMedian: number };
  workerMbPerWorkflowExecution: number;
}

const SAMPLES = 10;
const SAMPLE_INTERVAL_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureInFlight(
  d: PhaseDependencies,
  client: Client,
  count: number,
  idleRssMb: number | undefined,
): Promise<InFlightReport> {
  const manifests = Array.from({ length: count }, (_, i) =>
    benchWorkflowExecution(d.namespace, 'inflight', i, { stepDurationMs: 0, hang: true }, d.image),
  );
  await d.mode.prepare(manifests);
  d.log(`in-flight: launching ${count} WorkflowExecutions whose steps never end`);
  const launched = await inBatches(
    manifests.map((_, i) => i),
    32,
    (i) => d.mode.launch(i),
  );
  const uids = launched.map((l) => l.uid);
  const deadline = Date.now() + 20 * 60_000;
  const withPipelineRun = () => uids.filter((uid) => d.observer.timelines.get(uid)?.pipelineRunCreatedAt).length;
  while (withPipelineRun() < count && Date.now() < deadline) await sleep(1_000);
  d.worker.assertAlive();
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(d.worker.memory()?.rssMb ?? NaN);
    await sleep(SAMPLE_INTERVAL_MS);
  }
  const median = samples.sort((a, b) => a - b)[Math.floor(SAMPLES / 2)]!;
  d.log(`in-flight: ${withPipelineRun()} of ${count} running; worker RSS ${median} MiB; terminating them`);
  await inBatches(launched, 32, async (l) => {
    const id = workflowExecutionWorkflowId({ namespace: d.namespace, name: l.name!, uid: l.uid });
    await client.workflow
      .getHandle(id)
      .terminate('bench: in-flight measurement done')
      .catch(() => undefined);
  });
  return {
    workflowExecutions: count,
    withPipelineRun: withPipelineRun(),
    workerRssMb: { idle: idleRssMb, inFlightMedian: median },
    workerMbPerWorkflowExecution:
      idleRssMb === undefined ? NaN : Math.round(((median - idleRssMb) / count) * 1000) / 1000,
  };
}
