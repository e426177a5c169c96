/**
 * The workflow bundle's entry point: every workflow the worker runs is exported from here.
 * Workflow code runs in Temporal's deterministic sandbox: import activity *types* only, no I/O.
 */
export * from './effectiveness-monitor';
export * from './effectiveness-assessment';
export * from './workflow-execution';
export * from './target-lock';
