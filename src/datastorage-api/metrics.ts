/** Prometheus metrics of the Data Storage API (`/metrics`). */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createDataStorageApiMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kubernaut_datastorage_api_' });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'kubernaut_datastorage_api_request_duration_seconds',
      help: 'HTTP requests by route template, method and status, and how long they took',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    accessDecisions: new Counter({
      name: 'kubernaut_datastorage_api_access_decisions_total',
      help: 'Authentication/authorization outcomes of API requests',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    accessCacheLookups: new Counter({
      name: 'kubernaut_datastorage_api_access_cache_lookups_total',
      help: 'Token and access decision cache lookups (hit: no review sent to the API server)',
      labelNames: ['kind', 'hit'] as const,
      registers: [registry],
    }),
    databaseUnavailable: new Counter({
      name: 'kubernaut_datastorage_api_database_unavailable_total',
      help: 'Requests answered 503 because the database was unreachable or a query timed out',
      registers: [registry],
    }),
  };
}

export type DataStorageApiMetrics = ReturnType<typeof createDataStorageApiMetrics>;
