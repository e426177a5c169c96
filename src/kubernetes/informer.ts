/**
 * A list+watch cache of one kind of custom resource, the way client-go's informers work, hardened for the
 * JS client whose watches can stall silently:
 * - list, then watch from the list's resourceVersion (bookmarks on);
 * - a watch that ends or fails is resumed from the last resourceVersion seen, after a jittered backoff
 *   (so N processes reconnecting to a restarted API server do not arrive in lockstep);
 * - 410 Gone (resourceVersion too old) → relist;
 * - a watchdog restarts a watch that has been silent (no event, no bookmark) for `watchSilenceMs`;
 * - a periodic full relist (`resyncIntervalMs`) repairs anything a stalled or broken watch missed.
 * Handlers see ADDED/MODIFIED/DELETED for every difference, whether it came from the watch or a relist.
 * Relist handlers see every cached object after each successful list (client-go's "resync"), so a consumer
 * that dropped or failed to act on an event re-examines the current state at least once per period.
 * API load: one LIST per resync interval plus one long-lived watch, whatever the number of objects.
 */
import * as k8s from '@kubernetes/client-node';
import { describeKubernetesError, httpStatusOf } from './api-errors';
import { collectionPath, type KubernetesObject, type ResourceCoordinates } from './resources';

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type InformerHandler = (type: InformerEventType, object: KubernetesObject) => void;
/** Every cached object, after a successful list (the first one, each resync, a relist after 410). */
export type InformerRelistHandler = (objects: KubernetesObject[]) => void;

export interface InformerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface InformerOptions {
  kubeConfig: k8s.KubeConfig;
  resource: ResourceCoordinates;
  /** Watch one namespace; all namespaces when unset. */
  namespace?: string;
  labelSelector?: string;
  /** Full relist period: the repair for a watch that missed something. Default 5 minutes. */
  resyncIntervalMs?: number;
  /** Restart a watch that delivered nothing (not even a bookmark) for this long. Default 90 s. */
  watchSilenceMs?: number;
  /** Reconnect backoff while the API server is unreachable. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  logger?: InformerLogger;
  /**
   * Applied to every object before it is cached and handed to handlers: drop what the consumer never
   * reads (e.g. managedFields), so a cache of thousands of objects costs what it is used for.
   */
  transform?: (object: KubernetesObject) => KubernetesObject;
}

export interface InformerStats {
  lists: number;
  watchStarts: number;
  watchRestarts: number;
  goneRelists: number;
  events: number;
  lastEventAt?: number;
}

const key = (o: KubernetesObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function jittered(baseMs: number): number {
  return Math.round(baseMs * (0.5 + Math.random() / 2));
}

export class Informer {
  private readonly cache = new Map<string, KubernetesObject>();
  private readonly handlers: InformerHandler[] = [];
  private readonly relistHandlers: InformerRelistHandler[] = [];
  private readonly api: k8s.CustomObjectsApi;
  private readonly o: Required<Omit<InformerOptions, 'namespace' | 'labelSelector' | 'logger' | 'transform'>> &
    Pick<InformerOptions, 'namespace' | 'labelSelector' | 'logger' | 'transform'>;
  private resourceVersion = '';
  private watchAbort?: AbortController;
  private watchGeneration = 0;
  private stopped = true;
  private synced = false;
  private failures = 0;
  private lastActivity = 0;
  private timers: NodeJS.Timeout[] = [];
  private relisting?: Promise<void>;
  readonly stats: InformerStats = { lists: 0, watchStarts: 0, watchRestarts: 0, goneRelists: 0, events: 0 };

  constructor(options: InformerOptions) {
    this.o = {
      resyncIntervalMs: 5 * 60_000,
      watchSilenceMs: 90_000,
      backoffInitialMs: 500,
      backoffMaxMs: 30_000,
      ...options,
    };
    this.api = options.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  }

  on(handler: InformerHandler): void {
    this.handlers.push(handler);
  }

  /** Called after each successful list with the whole cache (after the ADDED/MODIFIED/DELETED it caused). */
  onRelist(handler: InformerRelistHandler): void {
    this.relistHandlers.push(handler);
  }

  get(namespace: string | undefined, name: string): KubernetesObject | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  list(): KubernetesObject[] {
    return [...this.cache.values()];
  }

  /** True once the first list succeeded and the watch is (re)established. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first successful list; keeps retrying (with backoff) until then. */
  async start(): Promise<void> {
    this.stopped = false;
    for (;;) {
      try {
        await this.relist();
        break;
      } catch (err) {
        if (this.stopped) return;
        this.o.logger?.warn({ resource: this.o.resource.plural, err: describeKubernetesError(err) }, 'list failed');
        await this.sleep(this.nextBackoff());
      }
    }
    this.failures = 0;
    void this.watch();
    this.timers.push(setInterval(() => void this.resync(), this.o.resyncIntervalMs));
    this.timers.push(setInterval(() => this.watchdog(), Math.max(1_000, Math.floor(this.o.watchSilenceMs / 3))));
  }

  stop(): void {
    this.stopped = true;
    this.synced = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.watchAbort?.abort();
  }

  /** Re-reads everything now (also used by the periodic resync). */
  relist(): Promise<void> {
    this.relisting ??= this.doRelist().finally(() => (this.relisting = undefined));
    return this.relisting;
  }

  private async doRelist(): Promise<void> {
    const { group, version, plural } = this.o.resource;
    const labelSelector = this.o.labelSelector;
    const result = (
      this.o.namespace
        ? await this.api.listNamespacedCustomObject({
            group,
            version,
            plural,
            namespace: this.o.namespace,
            labelSelector,
          })
        : await this.api.listClusterCustomObject({ group, version, plural, labelSelector })
    ) as { items: KubernetesObject[]; metadata?: { resourceVersion?: string } };
    this.stats.lists++;
    const seen = new Set<string>();
    for (const item of result.items) {
      seen.add(key(item));
      this.apply('ADDED', item);
    }
    for (const [k, old] of [...this.cache.entries()]) {
      if (!seen.has(k)) this.apply('DELETED', old);
    }
    this.resourceVersion = result.metadata?.resourceVersion ?? this.resourceVersion;
    this.lastActivity = Date.now();
    this.synced = true;
    if (this.relistHandlers.length === 0) return;
    const objects = this.list();
    for (const h of this.relistHandlers) {
      try {
        h(objects);
      } catch (err) {
        this.o.logger?.warn({ err: String(err) }, 'informer relist handler threw');
      }
    }
  }

  private async resync(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.relist();
    } catch (err) {
      this.o.logger?.warn({ resource: this.o.resource.plural, err: describeKubernetesError(err) }, 'resync failed');
    }
  }

  private apply(type: InformerEventType, received: KubernetesObject): void {
    const object = this.o.transform ? this.o.transform(received) : received;
    const k = key(object);
    const old = this.cache.get(k);
    if (type === 'DELETED') {
      if (!old) return;
      this.cache.delete(k);
    } else {
      if (old?.metadata.resourceVersion === object.metadata.resourceVersion && old !== undefined) return;
      this.cache.set(k, object);
      type = old ? 'MODIFIED' : 'ADDED';
    }
    this.stats.events++;
    this.stats.lastEventAt = Date.now();
    for (const h of this.handlers) {
      try {
        h(type, object);
      } catch (err) {
        this.o.logger?.warn({ err: String(err) }, 'informer handler threw');
      }
    }
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.watchGeneration;
    this.stats.watchStarts++;
    const params: Record<string, string | boolean> = {
      allowWatchBookmarks: true,
      resourceVersion: this.resourceVersion,
    };
    if (this.o.labelSelector) params.labelSelector = this.o.labelSelector;
    const done = (err: unknown) => {
      if (generation !== this.watchGeneration || this.stopped) return;
      void this.restartWatch(err);
    };
    try {
      this.lastActivity = Date.now();
      this.watchAbort = await new k8s.Watch(this.o.kubeConfig).watch(
        collectionPath(this.o.resource, this.o.namespace),
        params,
        (type: string, object: KubernetesObject & { code?: number }) => {
          if (generation !== this.watchGeneration) return;
          this.lastActivity = Date.now();
          this.failures = 0;
          if (type === 'BOOKMARK') {
            this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
          } else if (type === 'ERROR') {
            done(Object.assign(new Error('watch error event'), { code: object.code ?? 500 }));
          } else if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            this.resourceVersion = object.metadata.resourceVersion ?? this.resourceVersion;
            this.apply(type, object);
          }
        },
        done,
      );
    } catch (err) {
      done(err);
    }
  }

  private async restartWatch(err: unknown): Promise<void> {
    this.watchGeneration++; // ignore anything the old watch still delivers
    this.watchAbort?.abort();
    this.stats.watchRestarts++;
    const gone = httpStatusOf(err) === 410;
    if (err && !gone) {
      this.o.logger?.warn({ resource: this.o.resource.plural, err: describeKubernetesError(err) }, 'watch ended');
    }
    await this.sleep(gone ? 0 : this.nextBackoff(err === null || err === undefined));
    if (this.stopped) return;
    if (gone) {
      this.stats.goneRelists++;
      try {
        await this.relist();
      } catch (e) {
        this.o.logger?.warn({ err: describeKubernetesError(e) }, 'relist after 410 failed');
        return void this.restartWatch(e);
      }
    }
    void this.watch();
  }

  private watchdog(): void {
    if (this.stopped || !this.synced) return;
    if (Date.now() - this.lastActivity > this.o.watchSilenceMs) {
      this.o.logger?.warn({ resource: this.o.resource.plural }, 'watch silent: restarting it');
      void this.restartWatch(undefined);
    }
  }

  /** A clean end of a watch (the server's timeout) reconnects at once; failures back off, jittered. */
  private nextBackoff(clean = false): number {
    if (clean) return 0;
    const delay = Math.min(this.o.backoffMaxMs, this.o.backoffInitialMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 20);
    return jittered(delay);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref?.();
    });
  }
}
