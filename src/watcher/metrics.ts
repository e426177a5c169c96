/**
 * The watcher's Prometheus metrics. Counters the watcher increments itself, plus informer and queue
 * figures read when /metrics is scraped (so they cost nothing between scrapes).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InformerStats } from '../kubernetes/informer';
import type { KeyedQueueStats } from './keyed-queue';

export interface WatcherMetricSources {
  informers: () => { resource: string; stats: InformerStats }[];
  queue: () => KeyedQueueStats;
}

/** A counter that mirrors a monotonic number kept elsewhere: on scrape it adds what grew since the last one. */
function mirrorCounter(
  registry: Registry,
  name: string,
  help: string,
  read: () => Map<string, number>,
): Counter<'resource'> {
  const last = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      for (const [resource, value] of read()) {
        const grown = value - (last.get(resource) ?? 0);
        if (grown > 0) this.inc({ resource }, grown);
        last.set(resource, value);
      }
    },
  });
}

export function createWatcherMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'kubernaut_watcher_' });
  let sources: WatcherMetricSources | undefined;
  const informerSum = (k: keyof Omit<InformerStats, 'lastEventAt'>) => () => {
    const sums = new Map<string, number>();
    for (const { resource, stats } of sources?.informers() ?? []) {
      sums.set(resource, (sums.get(resource) ?? 0) + stats[k]);
    }
    return sums;
  };

  const metrics = {
    registry,
    /** Connects the scrape-time metrics to the running watcher. */
    bind(s: WatcherMetricSources) {
      sources = s;
    },
    events: new Counter({
      name: 'kubernaut_watcher_events_total',
      help: 'Resource events seen (watch or relist), by resource and event type',
      labelNames: ['resource', 'type'] as const,
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'kubernaut_watcher_decisions_total',
      help: 'Decisions taken on resource events, by resource, action and reason',
      labelNames: ['resource', 'action', 'reason'] as const,
      registers: [registry],
    }),
    starts: new Counter({
      name: 'kubernaut_watcher_workflow_starts_total',
      help: 'Workflow starts requested: running = started or attached to the running one; already-finished = refused, the workflow had finished',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    duplicatesSuppressed: new Counter({
      name: 'kubernaut_watcher_duplicates_suppressed_total',
      help: 'Events that needed no Temporal call because the work was already done (by this watcher or reported by the workflow), by resource',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    cancels: new Counter({
      name: 'kubernaut_watcher_workflow_cancels_total',
      help: 'Workflow cancellations requested for deleted WorkflowExecutions: requested, or not-running (finished or never started)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    startedStatus: new Counter({
      name: 'kubernaut_watcher_started_status_total',
      help: 'What became of status.temporal after a start: written by the watcher, reported-by-workflow (the workflow, or another replica, wrote it first), changed (written meanwhile), gone, failed (not retried)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    finalizersReleased: new Counter({
      name: 'kubernaut_watcher_finalizers_released_total',
      help: 'Execution finalizers removed by the watcher because no workflow was left to remove them',
      registers: [registry],
    }),
    remediationSignals: new Counter({
      name: 'kubernaut_watcher_remediation_signals_total',
      help: 'remediationTerminal signals sent for RemediationRequests reaching a terminal phase, by phase',
      labelNames: ['phase'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'kubernaut_watcher_retries_total',
      help: 'Failed attempts that will be retried with backoff (Temporal or the API server unavailable), by resource',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'kubernaut_watcher_events_refused_total',
      help: 'Events refused because the queue was full; the next relist offers them again',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    startLag: new Histogram({
      name: 'kubernaut_watcher_start_lag_seconds',
      help: 'WorkflowExecution creationTimestamp to its workflow start returning (creationTimestamp has 1 s resolution)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    eventToStart: new Histogram({
      name: 'kubernaut_watcher_event_to_start_seconds',
      help: 'First event of a WorkflowExecution seen by this watcher to its workflow start returning',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    relists: mirrorCounter(
      registry,
      'kubernaut_watcher_relists_total',
      'Full lists taken by the informers (start, periodic resync, 410 Gone), by resource',
      informerSum('lists'),
    ),
    watchRestarts: mirrorCounter(
      registry,
      'kubernaut_watcher_watch_restarts_total',
      'Watches resumed after ending, failing or falling silent, by resource',
      informerSum('watchRestarts'),
    ),
    queueDepth: new Gauge({
      name: 'kubernaut_watcher_queue_depth',
      help: 'Resources waiting, retrying or in process in the work queue',
      registers: [registry],
      collect() {
        if (sources) this.set(sources.queue().depth);
      },
    }),
  };
  return metrics;
}

export type WatcherMetrics = ReturnType<typeof createWatcherMetrics>;
