/**
 * What the system asks of Temporal, from the dev server's Prometheus metrics (`--metrics-port`, the stack's
 * Temporal port + 3): the frontend's requests (the API calls of the worker, the watcher and the bench's
 * client: polls, task completions, starts, updates, signals, heartbeats, history reads) and the persistence
 * requests they caused (what they cost its database), by operation; and the server's own count of billable
 * actions (its `action` counter, by type: what Temporal Cloud would bill); and the tasks it handed out eagerly
 * (`activity_eager_execution`: activity tasks returned in a workflow task's completion instead of going through
 * matching — the stack enables that, src/stack/temporal-server.ts). Only the bench's Temporal namespace is
 * counted, so other users of a shared stack are not in it. Where Temporal's CPU per WFE goes, by what the
 * system does to it.
 */
export type OperationCounts = Record<string, number>;

export interface TemporalRequests {
  frontend: OperationCounts;
  persistence: OperationCounts;
  /** By action type, e.g. `grpc_StartWorkflowExecution`, `command_ScheduleActivityTask`. */
  actions: OperationCounts;
  /** Tasks dispatched eagerly, by kind (`activity`). */
  eager: OperationCounts;
}

const SAMPLE = /^(service_requests|persistence_requests|action|activity_eager_execution)\{([^}]*)\} (\S+)$/;
const LABEL = /(\w+)="([^"]*)"/g;

/** How the server's metrics name a namespace: every character but letters, digits and `_` becomes `_`. */
const namespaceLabel = (namespace: string) => namespace.replace(/[^a-zA-Z0-9_]/g, '_');

/** The counters of `namespace` in a Prometheus text exposition, summed by operation (pure). */
export function parseTemporalRequests(exposition: string, namespace: string): TemporalRequests {
  const counts: TemporalRequests = { frontend: {}, persistence: {}, actions: {}, eager: {} };
  const add = (into: OperationCounts, key: string, value: string) => (into[key] = (into[key] ?? 0) + Number(value));
  for (const line of exposition.split('\n')) {
    const sample = SAMPLE.exec(line);
    if (!sample) continue;
    const [, metric, labelText, value] = sample as unknown as [string, string, string, string];
    const labels = Object.fromEntries([...labelText.matchAll(LABEL)].map((m) => [m[1], m[2]]));
    if (labels.namespace !== namespaceLabel(namespace)) continue;
    if (metric === 'activity_eager_execution') {
      add(counts.eager, 'activity', value);
    } else if (metric === 'action') {
      if (labels.action_type) add(counts.actions, labels.action_type, value);
    } else if (metric === 'persistence_requests') {
      if (labels.operation) add(counts.persistence, labels.operation, value);
    } else if (labels.operation && labels.service_name === 'frontend') {
      // A client's call reaches the frontend once and may fan out to the history and matching services: the
      // frontend's count is the calls the system made.
      add(counts.frontend, labels.operation, value);
    }
  }
  return counts;
}

/**
 * Reads the counters. The exposition holds every namespace the server has served since it started (a test run
 * creates about a hundred), so on two busy cores rendering it can take seconds: hence a generous timeout.
 */
export async function temporalRequests(metricsUrl: string, namespace: string): Promise<TemporalRequests> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`${metricsUrl}: HTTP ${response.status}`);
  return parseTemporalRequests(await response.text(), namespace);
}
