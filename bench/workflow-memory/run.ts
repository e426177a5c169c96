/**
 * Memory and CPU per created workflow (issue #13): the worker keeps up to KUBERNAUT_MAX_CACHED_WORKFLOWS
 * workflows in memory, and with the SDK's reusable V8 context (its default) each of them loads the workflow
 * bundle's modules into a module cache of its own — all but the modules the bundle preloads, which every
 * workflow shares (src/workers/workflow-bundle.ts). Prints one JSON object: per bundle, its size, the heap
 * each created workflow adds (its modules and the SDK's per-workflow state; no history is run, so a
 * workflow's own state comes on top) and the CPU time creating one takes (every new workflow pays it on its
 * first task: a WFE's, its target lock's, an assessment's) — medians of `--rounds`, taken in turns.
 *
 *     npm run bench:workflow-memory                      # the worker's bundling vs. no shared modules, same process
 *     npm run build && npm run bench:workflow-memory -- --bundle dist/workflow-bundle.js
 *
 * Without --bundle, src/workflows is bundled from its TypeScript as tests and `npm run worker` do (the tracing
 * gate in, the domain modules shared), and again without the shared modules, as the baseline;
 * `sharedVersusPerWorkflow` gives the ratios. The built bundle is what production runs.
 *
 * A traced workflow (one started with a trace, src/observability/tracing-workflow-interceptors.ts) also
 * loads Temporal's OpenTelemetry workflow interceptors; what that costs is the difference between
 *
 *     npm run bench:workflow-memory
 *     npm run bench:workflow-memory -- --interceptor-module @temporalio/interceptors-opentelemetry/lib/workflow-interceptors
 *
 * No server: workflows are created the way the worker creates them on a workflow's first task
 * (ReusableVMWorkflowCreator.createWorkflow), not activated. That class and parseWorkflowCode are the
 * SDK's internals (`@temporalio/worker/lib/…`), so an SDK upgrade may need this file adjusted.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { TypedSearchAttributes } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import type { WorkflowCreateOptions } from '@temporalio/worker/lib/workflow/interface';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/workers/workflow-bundle';

interface Options {
  count: number;
  rounds: number;
  bundle?: string;
  interceptorModule: string[];
}

function parseOptions(argv: string[]): Options {
  const int = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${v}`);
    return n;
  };
  return new Command('bench:workflow-memory')
    .option('--count <n>', 'workflows to create per round', int, 200)
    .option('--rounds <n>', 'rounds per bundle, taken in turns (medians reported)', int, 3)
    .option('--bundle <file>', 'a built workflow bundle (default: bundle src/workflows now, as npm run build does)')
    .option(
      '--interceptor-module <module>',
      'a workflow interceptor module to bundle in too, loaded by every workflow (repeatable; not with --bundle)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .parse(argv)
    .opts<Options>();
}

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };

/** Heap in use after full collections; needs node's --expose-gc. */
function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (npm run bench:workflow-memory passes it)');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** What the worker passes for a new workflow, with made-up ids (the bundle loads all workflows anyway). */
function createOptions(i: number): WorkflowCreateOptions {
  const runId = `bench-run-${i}`;
  const now = Date.now();
  return {
    info: {
      workflowId: `bench-workflow-${i}`,
      runId,
      workflowType: 'effectivenessMonitorWorkflow',
      searchAttributes: {},
      typedSearchAttributes: new TypedSearchAttributes(),
      taskQueue: 'bench',
      namespace: 'bench',
      firstExecutionRunId: runId,
      originalExecutionRunId: runId,
      startTime: new Date(now),
      runStartTime: new Date(now),
      taskTimeoutMs: 10_000,
      attempt: 1,
      historyLength: 3,
      historySize: 0,
      continueAsNewSuggested: false,
      suggestedContinueAsNewReasons: [],
      targetWorkerDeploymentVersionChanged: false,
      currentBuildId: '',
      unsafe: { now: () => Date.now(), isReplaying: false, isReplayingHistoryEvents: false, random: Math.random },
    } as unknown as WorkflowCreateOptions['info'],
    randomnessSeed: [1, 2, 3, 4, 5, 6, 7, 8],
    now,
    showStackTraceSources: false,
  };
}

/** One way of building the bundle, measured in turns with the others. */
interface Variant {
  name: string;
  code: string;
}

interface Measurement {
  perWorkflowKiB: number;
  cpuMsPerWorkflow: number;
}

/** Creates `count` workflows from the bundle as the worker would: the heap and the CPU time each adds. */
async function measure(code: string, count: number, round: number): Promise<Measurement> {
  // As the worker loads a prebuilt bundle: the source map read off the code, for stack traces.
  const creator = await ReusableVMWorkflowCreator.create(parseWorkflowCode(code), 5_000, new Set(), undefined);
  const shared = heapUsed();
  const cpu = process.cpuUsage();
  const workflows = [];
  for (let i = 0; i < count; i++) workflows.push(await creator.createWorkflow(createOptions(round * count + i)));
  const used = process.cpuUsage(cpu);
  const created = heapUsed();
  for (const w of workflows) await w.dispose();
  await creator.destroy();
  return {
    perWorkflowKiB: Number(((created - shared) / 1024 / count).toFixed(1)),
    cpuMsPerWorkflow: Number(((used.user + used.system) / 1000 / count).toFixed(3)),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

async function variants(o: Options): Promise<Variant[]> {
  if (o.bundle) return [{ name: o.bundle, code: fs.readFileSync(o.bundle, 'utf8') }];
  const options = {
    ...WORKFLOW_BUNDLE_OPTIONS,
    workflowInterceptorModules: [
      ...WORKFLOW_BUNDLE_OPTIONS.workflowInterceptorModules,
      ...o.interceptorModule.map((m) => require.resolve(m)),
    ],
    logger: silent,
  };
  return [
    { name: 'shared domain modules (as the worker bundles)', code: (await bundleWorkflowCode(options)).code },
    {
      name: 'every module loaded per workflow (no preloadModules)',
      code: (await bundleWorkflowCode({ ...options, preloadModules: [] })).code,
    },
  ];
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  const all = await variants(o);
  const rounds = new Map<string, Measurement[]>(all.map((v) => [v.name, []]));
  for (let round = 0; round < o.rounds; round++) {
    for (const v of all) rounds.get(v.name)!.push(await measure(v.code, o.count, round));
  }
  const results = all.map((v) => {
    const measured = rounds.get(v.name)!;
    return {
      bundle: v.name,
      bundleBytes: Buffer.byteLength(v.code),
      perWorkflowKiB: median(measured.map((m) => m.perWorkflowKiB)),
      cpuMsPerWorkflow: median(measured.map((m) => m.cpuMsPerWorkflow)),
      rounds: measured,
    };
  });
  const [shipped, baseline] = results;
  console.log(
    JSON.stringify(
      {
        interceptorModules: o.interceptorModule,
        workflows: o.count,
        rounds: o.rounds,
        results,
        ...(baseline && {
          sharedVersusPerWorkflow: {
            heap: Number((shipped!.perWorkflowKiB / baseline.perWorkflowKiB).toFixed(2)),
            cpu: Number((shipped!.cpuMsPerWorkflow / baseline.cpuMsPerWorkflow).toFixed(2)),
          },
        }),
        machine: { node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg() },
      },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
