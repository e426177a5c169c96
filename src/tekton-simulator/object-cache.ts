/**
 * The simulator's view of PipelineRuns or TaskRuns, fed by watch events, periodic lists and the responses
 * to its own writes. Those three sources arrive out of order (a watch event for our create can land after
 * our status patch's response), so an update only replaces a cached object when it is not older, judged by
 * resourceVersion. Kubernetes calls resourceVersions opaque; etcd-backed servers make them increasing
 * integers, global to the server, which is what the comparison relies on (when they are not integers the newest arrival wins).
 * A stale entry is harmless anyway: the write based on it fails with 409 and the object is re-read.
 */
import { objectKey, type ObjectMeta } from './tekton-objects';

export class ObjectCache<T extends { metadata: ObjectMeta }> {
  private readonly objects = new Map<string, T>();

  get size(): number {
    return this.objects.size;
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  values(): IterableIterator<T> {
    return this.objects.values();
  }

  /** Stores the object unless the cache already holds a newer version of it; true when stored. */
  upsert(object: T): boolean {
    const key = objectKey(object.metadata);
    const current = this.objects.get(key);
    if (current && isOlder(object.metadata.resourceVersion, current.metadata.resourceVersion)) {
      return false;
    }
    this.objects.set(key, object);
    return true;
  }

  /** Forgets the object (when `uid` is given, only that incarnation of the name). */
  remove(key: string, uid?: string): T | undefined {
    const current = this.objects.get(key);
    if (!current || (uid !== undefined && current.metadata.uid !== uid)) return undefined;
    this.objects.delete(key);
    return current;
  }

  /**
   * Reconciles the cache with a full list taken at `listResourceVersion` of the objects in `namespace` (all
   * namespaces when undefined): listed objects are upserted, and cached ones of that scope the list lacks are
   * dropped unless they are newer than the list (written after it was taken). Returns the dropped objects.
   */
  replaceAll(items: readonly T[], listResourceVersion: string, namespace?: string): T[] {
    const listed = new Set<string>();
    for (const item of items) {
      listed.add(objectKey(item.metadata));
      this.upsert(item);
    }
    const dropped: T[] = [];
    for (const [key, object] of this.objects) {
      if (namespace !== undefined && object.metadata.namespace !== namespace) continue;
      if (listed.has(key) || isOlder(listResourceVersion, object.metadata.resourceVersion)) continue;
      this.objects.delete(key);
      dropped.push(object);
    }
    return dropped;
  }
}

/** True when resourceVersion `a` is known to be older than `b`. */
function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}
