/**
 * Activities on the WorkflowExecution resource itself: validation with the worker's policy, its status
 * subresource and its finalizer. Writes are guarded by the WFE's uid, so a WFE deleted and re-created under
 * the same name is never written by the old execution; a WFE that no longer exists is reported, not retried.
 */
import * as k8s from '@kubernetes/client-node';
import { EXECUTION_FINALIZER } from '../domain/names';
import { validateWorkflowExecution, type ValidationPolicy, type ValidationResult } from '../domain/validation';
import type { WorkflowExecutionStatus } from '../domain/workflow-execution';
import { httpStatusOf, isConflict, isNotFound } from '../kubernetes/api-errors';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../kubernetes/resources';
import { kubernetesFailure } from './failures';

export interface WorkflowExecutionRef {
  namespace: string;
  name: string;
  uid: string;
}

export type WriteOutcome = 'written' | 'gone';

/** What a guarded status write did: `superseded` when the stored status is already terminal (not ours to change). */
export type ObservedStatusWrite = { outcome: 'written'; resourceVersion?: string } | { outcome: 'gone' | 'superseded' };

const { group, version, plural } = WORKFLOW_EXECUTIONS;
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

const updatingFinalizersOf = (ref: WorkflowExecutionRef) =>
  `updating finalizers of WorkflowExecution ${ref.namespace}/${ref.name}`;
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A JSON Patch `test` that failed (the uid differs): the object is another WFE of the same name. */
function isFailedPrecondition(err: unknown): boolean {
  return httpStatusOf(err) === 422 || httpStatusOf(err) === 409;
}

export function createWorkflowExecutionActivities(deps: {
  customObjects: k8s.CustomObjectsApi;
  policy: ValidationPolicy;
}) {
  const { customObjects, policy } = deps;

  async function read(ref: WorkflowExecutionRef): Promise<KubernetesObject | undefined> {
    try {
      const obj = (await customObjects.getNamespacedCustomObject({
        group,
        version,
        plural,
        namespace: ref.namespace,
        name: ref.name,
      })) as KubernetesObject;
      return obj.metadata.uid === ref.uid ? obj : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw kubernetesFailure(`reading WorkflowExecution ${ref.namespace}/${ref.name}`, err);
    }
  }

  /** One patch of the WFE itself (not a subresource), in the given patch format. */
  function patchObject(ref: WorkflowExecutionRef, body: object, format: typeof mergePatch): Promise<unknown> {
    return customObjects.patchNamespacedCustomObject(
      { group, version, plural, namespace: ref.namespace, name: ref.name, body },
      format,
    );
  }

  /**
   * Changes the finalizer list. With `expected` (the list the caller believes is stored): one JSON Patch whose
   * `test` of the uid and of the whole list is its precondition — no read. When that belief is wrong (a test
   * fails: another controller's finalizer, a retry that finds its own change made, a WFE being deleted, which
   * takes no new finalizers), or without `expected`: read-modify-write guarded by the resourceVersion. Either
   * way a finalizer someone else added or removed meanwhile is never overwritten.
   */
  async function updateFinalizers(
    ref: WorkflowExecutionRef,
    change: (f: string[]) => string[],
    expected?: string[],
  ): Promise<WriteOutcome> {
    const changed = expected && change(expected);
    // A change that does nothing to the expected list proves nothing about the stored one: read it.
    if (expected && changed && !sameList(changed, expected)) {
      const outcome = await patchFinalizersAsExpected(ref, expected, changed);
      if (outcome !== 'unexpected') return outcome;
    }
    for (;;) {
      const current = await read(ref);
      if (!current) return 'gone';
      const before = current.metadata.finalizers ?? [];
      const after = change(before);
      if (sameList(after, before)) return 'written';
      try {
        await patchObject(
          ref,
          { metadata: { finalizers: after, resourceVersion: current.metadata.resourceVersion } },
          mergePatch,
        );
        return 'written';
      } catch (err) {
        if (isConflict(err)) continue; // someone else changed it: read again
        if (isNotFound(err)) return 'gone';
        // Adding a finalizer to a WFE already being deleted is refused: nothing to keep then.
        if (httpStatusOf(err) === 422 && current.metadata.deletionTimestamp) return 'gone';
        throw kubernetesFailure(updatingFinalizersOf(ref), err);
      }
    }
  }

  /** `expected` → `after` in one JSON Patch, if the stored list (and the uid) are as expected; else `unexpected`. */
  async function patchFinalizersAsExpected(
    ref: WorkflowExecutionRef,
    expected: string[],
    after: string[],
  ): Promise<WriteOutcome | 'unexpected'> {
    try {
      await patchObject(
        ref,
        [
          { op: 'test', path: '/metadata/uid', value: ref.uid },
          // An empty list is not stored at all: `null` tests that the field is absent.
          { op: 'test', path: '/metadata/finalizers', value: expected.length > 0 ? expected : null },
          after.length > 0
            ? { op: 'add', path: '/metadata/finalizers', value: after }
            : { op: 'remove', path: '/metadata/finalizers' },
        ],
        jsonPatch,
      );
      return 'written';
    } catch (err) {
      if (isNotFound(err)) return 'gone';
      if (isFailedPrecondition(err)) return 'unexpected';
      throw kubernetesFailure(updatingFinalizersOf(ref), err);
    }
  }

  /**
   * One JSON Patch of the status subresource: `test` of the uid (never another WFE of the same name), and
   * of the resourceVersion when `expected` is given (`conflict` when it moved on).
   */
  async function writeStatus(
    ref: WorkflowExecutionRef,
    status: WorkflowExecutionStatus,
    expected?: string,
  ): Promise<{ outcome: 'written'; resourceVersion?: string } | { outcome: 'gone' | 'conflict' }> {
    try {
      const written = (await customObjects.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          plural,
          namespace: ref.namespace,
          name: ref.name,
          body: [
            { op: 'test', path: '/metadata/uid', value: ref.uid },
            ...(expected !== undefined ? [{ op: 'test', path: '/metadata/resourceVersion', value: expected }] : []),
            { op: 'add', path: '/status', value: status },
          ],
        },
        jsonPatch,
      )) as KubernetesObject;
      return { outcome: 'written', resourceVersion: written.metadata?.resourceVersion };
    } catch (err) {
      if (isNotFound(err)) return { outcome: 'gone' };
      if (isFailedPrecondition(err)) {
        // Which test failed? Only a read tells: the uid (another WFE now) or the resourceVersion.
        if (expected === undefined) return { outcome: 'gone' };
        const current = await read(ref);
        return current ? { outcome: 'conflict' } : { outcome: 'gone' };
      }
      throw kubernetesFailure(`updating status of WorkflowExecution ${ref.namespace}/${ref.name}`, err);
    }
  }

  return {
    /** Pure validation, run as a local activity so the worker's image policy applies, not the caller's. */
    async validateWorkflowExecution(obj: unknown): Promise<ValidationResult> {
      return validateWorkflowExecution(obj, policy);
    },

    /** Writes the whole status in one JSON Patch guarded by the uid; converges when repeated. */
    async syncWorkflowExecutionStatus(input: {
      ref: WorkflowExecutionRef;
      status: WorkflowExecutionStatus;
    }): Promise<WriteOutcome> {
      // Without an expected resourceVersion the write never conflicts: written or gone.
      return (await writeStatus(input.ref, input.status)).outcome === 'written' ? 'written' : 'gone';
    },

    /**
     * A status write by a writer that is not the last word: the waiting activity, which writes what it
     * observes while the workflow waits. Guarded by the resourceVersion of its own previous write, so a
     * writer that fell behind (an attempt whose worker was presumed dead but still runs) cannot overwrite
     * a newer status: on a conflict it reads the WFE and writes again only while the stored status is not
     * terminal — a terminal status is the workflow's, written last.
     */
    async writeObservedStatus(input: {
      ref: WorkflowExecutionRef;
      status: WorkflowExecutionStatus;
      /** resourceVersion after this writer's previous write (undefined: none yet). */
      after?: string;
    }): Promise<ObservedStatusWrite> {
      const { ref, status } = input;
      let expected = input.after;
      for (;;) {
        const written = await writeStatus(ref, status, expected);
        if (written.outcome === 'written') return written;
        if (written.outcome === 'gone') return { outcome: 'gone' };
        // Someone else changed the WFE since (a finalizer, labels, another writer): look before writing again.
        const current = await read(ref);
        if (!current) return { outcome: 'gone' };
        const stored = (current.status ?? {}) as { phase?: string };
        if (stored.phase === 'Completed' || stored.phase === 'Failed') return { outcome: 'superseded' };
        expected = current.metadata.resourceVersion;
      }
    },

    /** Adds the execution finalizer; `expected`: the finalizers believed stored, which saves a read when right. */
    async addExecutionFinalizer(ref: WorkflowExecutionRef, expected?: string[]): Promise<WriteOutcome> {
      return updateFinalizers(
        ref,
        (f) => (f.includes(EXECUTION_FINALIZER) ? f : [...f, EXECUTION_FINALIZER]),
        expected,
      );
    },

    /** Removes the execution finalizer; `expected` as for addExecutionFinalizer. */
    async removeExecutionFinalizer(ref: WorkflowExecutionRef, expected?: string[]): Promise<WriteOutcome> {
      return updateFinalizers(ref, (f) => f.filter((x) => x !== EXECUTION_FINALIZER), expected);
    },
  };
}

export type WorkflowExecutionActivities = ReturnType<typeof createWorkflowExecutionActivities>;
