/**
 * Memory per cached workflow (issue #13): the worker keeps up to KUBERNAUT_MAX_CACHED_WORKFLOWS workflows
 * in memory, and with the SDK's reusable V8 context (its default) each of them loads the workflow bundle's
 * modules into a module cache of its own, so everything workflow code imports is paid once per cached
 * workflow. Prints one JSON object: the bundle's size and the heap each created workflow adds (its
 * modules and the SDK's per-workflow state; no history is run, so a workflow's own state comes on top).
 *
 *     npm run build && npm run bench:workflow-memory -- --bundle dist/workflow-bundle.js
 *     npm run bench:workflow-memory -- --count 200
 *
 * The built bundle is what production runs. Without --bundle, src/workflows is bundled from its TypeScript
 * as tests and `npm run worker` do, a bundle that measured about 30 KiB more per workflow.
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

interface Options {
  count: number;
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
    .option('--count <n>', 'workflows to create', int, 200)
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

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  const code = o.bundle
    ? fs.readFileSync(o.bundle, 'utf8')
    : (
        await bundleWorkflowCode({
          workflowsPath: require.resolve('../../src/workflows'),
          workflowInterceptorModules: o.interceptorModule.map((m) => require.resolve(m)),
          logger: silent,
        })
      ).code;
  // As the worker loads a prebuilt bundle: the source map read off the code, for stack traces.
  const creator = await ReusableVMWorkflowCreator.create(parseWorkflowCode(code), 5_000, new Set(), undefined);
  const shared = heapUsed();
  const workflows = [];
  for (let i = 0; i < o.count; i++) workflows.push(await creator.createWorkflow(createOptions(i)));
  const created = heapUsed();
  for (const w of workflows) await w.dispose();
  await creator.destroy();
  const kib = (bytes: number) => Number((bytes / 1024).toFixed(1));
  console.log(
    JSON.stringify(
      {
        bundle: o.bundle ?? 'src/workflows (bundled now)',
        interceptorModules: o.interceptorModule,
        bundleBytes: Buffer.byteLength(code),
        workflows: o.count,
        perWorkflowKiB: kib((created - shared) / o.count),
        machine: { node: process.version, cpus: os.cpus().length },
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
