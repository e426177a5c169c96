/**
 * What goes into the workflow bundle and how its modules load — one definition for `npm run build`
 * (build-bundle.ts), a worker that bundles at start (execution-worker.ts), the tests and the benchmarks.
 *
 * The SDK's reusable V8 context (the worker's default) loads the bundle's modules again for every workflow
 * it creates — each cached workflow has a module cache of its own, so no state leaks from one workflow to
 * another — except the modules the bundle PRELOADS: those are evaluated once per workflow thread, before
 * any workflow exists, and shared (frozen) by all. The pure domain modules the workflows use (status
 * transitions, names, validation errors, the lock's queue, scoring …) hold no per-workflow state — no
 * mutable module-level variable, nothing read from the workflow's clock or random source at load — so they
 * are preloaded: every new workflow (a WFE's, its target lock's, an assessment's) then loads only the
 * src/workflows modules, which use the workflow APIs. The modules these import come along into the shared
 * cache. bench:workflow-memory measures the heap and CPU per created workflow; test/workers/workflow-bundle.test.ts
 * checks that no domain module is left to load per workflow and that preloading adds nothing to the bundle.
 *
 * A domain module that keeps per-workflow state (a cache, a counter) must not be listed here: shared, it would
 * leak between workflows and break their determinism on replay.
 */
import { WORKFLOW_TRACING_INTERCEPTORS } from '../observability/tracing';

/** The bundle's entry: the workflows the worker registers (src/workflows/index.ts). */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Domain modules the workflows import, loaded once per workflow thread and shared (see above). */
export const SHARED_WORKFLOW_MODULES = [
  '../domain/action-record-context',
  '../domain/activity-failures',
  '../domain/duration',
  '../domain/effectiveness/monitor-state',
  '../domain/effectiveness/remediation-terminal',
  '../domain/effectiveness/scoring',
  '../domain/effectiveness/summary',
  '../domain/effectiveness/workflow-execution-signal',
  '../domain/names',
  '../domain/pipeline-run',
  '../domain/remediation',
  '../domain/status/target-wait',
  '../domain/status/transitions',
  '../domain/target-lock',
  '../domain/unvalidated-workflow-execution',
  '../domain/validation-errors',
  '../domain/workflow-execution',
].map((module) => require.resolve(module));

/** `bundleWorkflowCode`'s options for the bundle the worker runs: the workflows, the tracing gate, the shared modules. */
export const WORKFLOW_BUNDLE_OPTIONS = {
  workflowsPath: WORKFLOWS_PATH,
  workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS],
  preloadModules: SHARED_WORKFLOW_MODULES,
};
