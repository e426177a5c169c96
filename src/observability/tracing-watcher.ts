/**
 * The watcher's tracing, started by the FIRST import of src/watcher/main.ts so that the http
 * instrumentation is in place before the Kubernetes client loads node:https (tracing.ts). Undefined when off.
 */
import { startTracingOrExit } from './tracing';

export const tracing = startTracingOrExit('kubernaut-watcher');
