/**
 * What the watcher's work queue holds: the latest state of one resource, and what the watcher knows about
 * how it got there. Each resource kind has a handler that decides about its items and acts on them.
 */
import type { Logger } from 'pino';
import type { KubernetesObject } from '../kubernetes/resources';
import type { WatcherActions } from './actions';
import type { WatcherMetrics } from './metrics';

export type WatchedResource = 'workflowexecutions' | 'remediationrequests';

export interface WorkItem {
  resource: WatchedResource;
  object: KubernetesObject;
  /** The object no longer exists. */
  deleted: boolean;
  /** Offered by a relist: decide without this process's memory of cancellations. */
  fromRelist: boolean;
  /** When this process first saw an event for the key (ms). */
  firstSeenAt: number;
}

/** A newer item for a waiting key: its state, remembering a deletion, a relist offer and the first sighting. */
export function mergeWorkItems(older: WorkItem, newer: WorkItem): WorkItem {
  return {
    ...newer,
    deleted: older.deleted || newer.deleted,
    fromRelist: older.fromRelist || newer.fromRelist,
    firstSeenAt: Math.min(older.firstSeenAt, newer.firstSeenAt),
  };
}

/** The part of the watcher that knows one resource kind. */
export interface ResourceHandler {
  /**
   * True when the item needs no action, decided (and recorded) at once: such items never take a queue
   * slot. A relist offers every object, and most need nothing.
   */
  needsNothing(item: WorkItem): boolean;
  /** Decides and acts; throws to have the queue retry it with backoff. */
  process(item: WorkItem): Promise<void>;
  /** Drops what it scheduled for later (the watcher stops). */
  stop?(): void;
}

/** What a handler acts, counts and logs with. */
export interface HandlerDependencies {
  actions: WatcherActions;
  metrics: WatcherMetrics;
  log: Logger;
}
