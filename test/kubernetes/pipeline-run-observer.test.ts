/**
 * The worker's shared PipelineRun observer on the real API server: a follower of a PipelineRun hears of
 * every change, including one that arrives while it is busy elsewhere (writing the status it last saw) —
 * such a change used to be lost until the next heartbeat interval, leaving a finished PipelineRun
 * unreported for that long (found by bench:execution: PipelineRun finished → WFE terminal p99 10 s).
 */
import * as k8s from '@kubernetes/client-node';
import { LABELS, MANAGED_BY, PIPELINE_RUN, TEKTON_GROUP, TEKTON_VERSION } from '../../src/domain/names';
import { PIPELINE_RUN_LABEL, PipelineRunObserver } from '../../src/kubernetes/pipeline-run-observer';
import { TASK_RUNS } from '../../src/kubernetes/resources';
import { createNamespace, eventually, kubeConfig, uniqueName } from '../support/stack';

const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
const pipelineRuns = { group: TEKTON_GROUP, version: TEKTON_VERSION, plural: PIPELINE_RUN.plural };
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
/** Far beyond the test's own timeout: a wait that ends must have been ended by a change. */
const NEVER_MS = 600_000;

describe('PipelineRunObserver', () => {
  let namespace: string;
  let observer: PipelineRunObserver;

  beforeAll(async () => {
    namespace = await createNamespace('observer');
    observer = new PipelineRunObserver({ kubeConfig: kubeConfig(), namespaces: [namespace] });
    await observer.start();
  });
  afterAll(() => observer?.stop());

  /** A PipelineRun Tekton leaves alone (pending), so only the test changes it. */
  async function createPending(): Promise<string> {
    const name = uniqueName('pr');
    await api.createNamespacedCustomObject({
      ...pipelineRuns,
      namespace,
      body: {
        apiVersion: `${TEKTON_GROUP}/${TEKTON_VERSION}`,
        kind: 'PipelineRun',
        metadata: { name, namespace, labels: { [LABELS.managedBy]: MANAGED_BY } },
        spec: {
          status: 'PipelineRunPending',
          pipelineSpec: {
            tasks: [{ name: 'a', taskSpec: { steps: [{ name: 's', image: 'busybox', script: 'true' }] } }],
          },
        },
      },
    });
    return name;
  }
  const label = (name: string, value: string) =>
    api.patchNamespacedCustomObject(
      { ...pipelineRuns, namespace, name, body: { metadata: { labels: { step: value } } } },
      mergePatch,
    );
  const seen = (name: string, value: string) =>
    eventually(`the observer to see label ${value}`, async () =>
      observer.snapshot(namespace, name).pipelineRun?.metadata.labels?.step === value ? true : undefined,
    );

  it('keeps a change that arrived while its follower was busy: the next wait returns at once', async () => {
    const name = await createPending();
    const changes = observer.follow(namespace, name);
    try {
      await eventually('the PipelineRun in the cache', async () => observer.snapshot(namespace, name).pipelineRun);
      await changes.next(0); // consume the creation
      await label(name, 'one');
      await seen(name, 'one');
      // Nobody was waiting when the change came; the wait that follows must not miss it.
      await changes.next(NEVER_MS);
    } finally {
      changes.close();
    }
  }, 60_000);

  it('wakes a waiting follower at the change, and close() ends a wait', async () => {
    const name = await createPending();
    const changes = observer.follow(namespace, name);
    await eventually('the PipelineRun in the cache', async () => observer.snapshot(namespace, name).pipelineRun);
    await changes.next(0);
    const step = () => observer.snapshot(namespace, name).pipelineRun?.metadata.labels?.step;
    const woken = changes.next(NEVER_MS);
    await label(name, 'two');
    await woken;
    // Tekton's controller may also touch the PipelineRun (marking it pending) and wake the wait first; each
    // wake must come from a change, and the label's own change must wake a wait (else the test times out).
    while (step() !== 'two') await changes.next(NEVER_MS);

    const waiting = changes.next(NEVER_MS);
    changes.close();
    await waiting;
    expect(observer.stats().following).toBe(0);
  }, 60_000);

  describe("a snapshot's TaskRuns: exactly its PipelineRun's, as they come, move and go", () => {
    /** A TaskRun of `pipelineRun` that never runs (created cancelled: Tekton only marks it so). */
    async function createTaskRun(pipelineRun: string): Promise<string> {
      const name = uniqueName('tr');
      await api.createNamespacedCustomObject({
        ...TASK_RUNS,
        namespace,
        body: {
          apiVersion: `${TEKTON_GROUP}/${TEKTON_VERSION}`,
          kind: 'TaskRun',
          metadata: { name, namespace, labels: { [LABELS.managedBy]: MANAGED_BY, [PIPELINE_RUN_LABEL]: pipelineRun } },
          spec: { status: 'TaskRunCancelled', taskSpec: { steps: [{ name: 's', image: 'busybox', script: 'true' }] } },
        },
      });
      return name;
    }
    const taskRunsOf = (pipelineRun: string) =>
      observer
        .snapshot(namespace, pipelineRun)
        .taskRuns.map((tr) => tr.metadata.name)
        .sort()
        .join(',');
    const until = (pipelineRun: string, names: string[]) =>
      eventually(`the TaskRuns of ${pipelineRun} to be [${names.join(', ')}]`, async () =>
        taskRunsOf(pipelineRun) === [...names].sort().join(',') ? true : undefined,
      );

    it('files each TaskRun under the PipelineRun its label names, and follows relabels and deletions', async () => {
      const [a, b] = [await createPending(), await createPending()];
      const [a1, a2, b1] = [await createTaskRun(a), await createTaskRun(a), await createTaskRun(b)];
      await until(a, [a1, a2]);
      await until(b, [b1]);

      await api.patchNamespacedCustomObject(
        { ...TASK_RUNS, namespace, name: a2, body: { metadata: { labels: { [PIPELINE_RUN_LABEL]: b } } } },
        mergePatch,
      );
      await until(b, [b1, a2]);
      expect(taskRunsOf(a)).toBe(a1);

      await api.deleteNamespacedCustomObject({ ...TASK_RUNS, namespace, name: a1 });
      await until(a, []);
      expect(taskRunsOf(b)).toBe([b1, a2].sort().join(','));
      // A PipelineRun nobody filed anything under has no TaskRuns.
      expect(observer.snapshot(namespace, 'no-such-pipeline-run').taskRuns).toEqual([]);
    }, 60_000);
  });
});
