/**
 * The worker's tracing, started by the FIRST import of src/workers/main.ts so that the http and pg
 * instrumentations are in place before anything loads those modules (tracing.ts). Undefined when off.
 */
import { startTracingOrExit } from './tracing';

export const tracing = startTracingOrExit('kubernaut-worker');
