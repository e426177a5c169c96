/**
 * The simulator's only door to the API server: list, watch, get, create, merge-patch (spec/metadata and the
 * /status subresource) and delete of Tekton PipelineRuns and TaskRuns through @kubernetes/client-node.
 *
 * Status writes are merge patches that carry the resourceVersion the decision was based on, so the server
 * rejects them with 409 Conflict when the object changed meanwhile (the caller re-reads and re-plans), and
 * set members the new status no longer has to null (merge patch semantics). Every request is counted, so
 * tests and benchmarks can check what the simulator costs the API server.
 */
import * as k8s from '@kubernetes/client-node';
import { PIPELINE_RUN, TASK_RUN, TEKTON_GROUP, TEKTON_VERSION } from '../domain/names';
import type { ObjectMeta } from './tekton-objects';

export type TektonResource = typeof PIPELINE_RUN | typeof TASK_RUN;
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface KubeObject {
  metadata: ObjectMeta;
  status?: object;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Requests made, by kind: list calls, watch starts, single-object reads, writes (create/patch/delete). */
export interface ApiRequestCounts {
  list: number;
  watch: number;
  read: number;
  write: number;
}

export class TektonApi {
  private readonly api: k8s.CustomObjectsApi;
  private readonly watcher: k8s.Watch;
  private readonly mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  readonly requests: ApiRequestCounts = { list: 0, watch: 0, read: 0, write: 0 };

  constructor(
    kubeConfig: k8s.KubeConfig,
    private readonly fieldValidation: FieldValidation,
  ) {
    this.api = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    this.watcher = new k8s.Watch(kubeConfig);
  }

  async list<T>(
    resource: TektonResource,
    namespace: string | undefined,
    labelSelector: string,
  ): Promise<ListResult<T>> {
    this.requests.list++;
    const common = { group: TEKTON_GROUP, version: TEKTON_VERSION, plural: resource.plural, labelSelector };
    const body = (
      namespace === undefined
        ? await this.api.listClusterCustomObject(common)
        : await this.api.listNamespacedCustomObject({ ...common, namespace })
    ) as { items?: T[]; metadata?: { resourceVersion?: string } };
    return { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  /** Starts a watch from `resourceVersion`; `onDone` fires once when it ends for any reason. */
  async watch<T>(
    resource: TektonResource,
    namespace: string | undefined,
    labelSelector: string,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: T) => void,
    onDone: (err: unknown) => void,
  ): Promise<AbortController> {
    this.requests.watch++;
    const path = `/apis/${TEKTON_GROUP}/${TEKTON_VERSION}/${namespace === undefined ? '' : `namespaces/${namespace}/`}${resource.plural}`;
    return this.watcher.watch(
      path,
      { labelSelector, resourceVersion, allowWatchBookmarks: true },
      (type, object) => onEvent(type as WatchEventType, object as T),
      onDone,
    );
  }

  /** The object, or undefined when it does not exist (any more). */
  async get<T>(resource: TektonResource, namespace: string, name: string): Promise<T | undefined> {
    this.requests.read++;
    try {
      return (await this.api.getNamespacedCustomObject({
        group: TEKTON_GROUP,
        version: TEKTON_VERSION,
        plural: resource.plural,
        namespace,
        name,
      })) as T;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async create<T>(resource: TektonResource, namespace: string, body: object): Promise<T> {
    this.requests.write++;
    return (await this.api.createNamespacedCustomObject({
      group: TEKTON_GROUP,
      version: TEKTON_VERSION,
      plural: resource.plural,
      namespace,
      body,
      fieldValidation: this.fieldValidation,
    })) as T;
  }

  /** Merge patch of the main resource (spec, metadata); with `resourceVersion` it only applies to that version. */
  async patch<T>(
    resource: TektonResource,
    namespace: string,
    name: string,
    body: Record<string, unknown>,
    resourceVersion?: string,
  ): Promise<T> {
    this.requests.write++;
    const withPrecondition = resourceVersion === undefined ? body : withResourceVersion(body, resourceVersion);
    return (await this.api.patchNamespacedCustomObject(
      {
        group: TEKTON_GROUP,
        version: TEKTON_VERSION,
        plural: resource.plural,
        namespace,
        name,
        body: withPrecondition,
        fieldValidation: this.fieldValidation,
      },
      this.mergePatch,
    )) as T;
  }

  /** Replaces the status (as a merge patch) of the object at `resourceVersion`; 409 when it moved on. */
  async patchStatus<T>(
    resource: TektonResource,
    namespace: string,
    name: string,
    resourceVersion: string,
    status: object,
    previousStatus: object | undefined,
  ): Promise<T> {
    this.requests.write++;
    const body = withResourceVersion({ status: replacingMembers(previousStatus, status) }, resourceVersion);
    return (await this.api.patchNamespacedCustomObjectStatus(
      {
        group: TEKTON_GROUP,
        version: TEKTON_VERSION,
        plural: resource.plural,
        namespace,
        name,
        body,
        fieldValidation: this.fieldValidation,
      },
      this.mergePatch,
    )) as T;
  }

  /** Deletes the object; one that is already gone counts as deleted. */
  async delete(resource: TektonResource, namespace: string, name: string, uid?: string): Promise<void> {
    this.requests.write++;
    try {
      await this.api.deleteNamespacedCustomObject({
        group: TEKTON_GROUP,
        version: TEKTON_VERSION,
        plural: resource.plural,
        namespace,
        name,
        ...(uid ? { body: { preconditions: { uid } } } : {}),
      });
    } catch (err) {
      const code = httpStatus(err);
      if (code !== 404 && code !== 409) throw err; // 409: the uid precondition failed, i.e. a newer object of that name
    }
  }
}

export function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A short description of an API error: HTTP status, Kubernetes reason and message when the body has them. */
export function describeApiError(err: unknown): string {
  const code = httpStatus(err);
  if (code === undefined) return err instanceof Error ? err.message : String(err);
  const body = (err as { body?: unknown }).body;
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { reason?: string; message?: string };
    return `HTTP ${code} ${parsed?.reason ?? ''}: ${parsed?.message ?? ''}`.trim();
  } catch {
    return `HTTP ${code}: ${String(body)}`;
  }
}

function withResourceVersion(body: Record<string, unknown>, resourceVersion: string): Record<string, unknown> {
  const metadata = (body.metadata ?? {}) as Record<string, unknown>;
  return { ...body, metadata: { ...metadata, resourceVersion } };
}

/** The new status, plus `null` for every top-level member only the previous status had (merge-patch removal). */
function replacingMembers(previous: object | undefined, next: object): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...next };
  for (const key of Object.keys(previous ?? {})) {
    if (!(key in next) || (next as Record<string, unknown>)[key] === undefined) patch[key] = null;
  }
  return patch;
}
