/**
 * The informer's repair paths against the real API server, with a front (test/support/api-server-front.ts)
 * that makes its watch misbehave as real connections and servers do: a watch that falls silent is
 * restarted by the watchdog and resumes where it was; a watch told its resourceVersion is too old
 * (410 Gone) lists everything again. The periodic resync is set far out, so only these paths can explain
 * what the informer sees.
 */
import * as k8s from '@kubernetes/client-node';
import { Informer, type InformerEventType } from '../../src/kubernetes/informer';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { startApiServerFront, type ApiServerFront } from '../support/api-server-front';
import { workflowExecutionManifest } from '../support/execution-env';
import { ensureNamespace, eventually, kubeConfig, uniqueName } from '../support/stack';

jest.setTimeout(60_000);

/** Short for the test, long enough that a healthy watch on a loaded machine is not taken for a silent one. */
const WATCH_SILENCE_MS = 3_000;

describe('Informer', () => {
  let front: ApiServerFront;
  let api: k8s.CustomObjectsApi;
  let informer: Informer | undefined;
  beforeAll(async () => {
    front = await startApiServerFront(kubeConfig());
    api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  });
  afterEach(() => informer?.stop());
  afterAll(async () => {
    await front?.close();
  });

  /** An informer on a namespace of its own, through the front, recording events, relists and warnings. */
  async function startInformer() {
    const namespace = uniqueName('informer');
    await ensureNamespace(namespace);
    const events: { type: InformerEventType; name: string }[] = [];
    const relists: string[][] = [];
    const warnings: string[] = [];
    informer = new Informer({
      kubeConfig: front.kubeConfig(),
      resource: WORKFLOW_EXECUTIONS,
      namespace,
      resyncIntervalMs: 600_000,
      watchSilenceMs: WATCH_SILENCE_MS,
      logger: { info: () => undefined, warn: (_o, msg) => warnings.push(msg) },
    });
    informer.on((type, object) => events.push({ type, name: object.metadata.name }));
    informer.onRelist((objects) => relists.push(objects.map((o) => o.metadata.name).sort()));
    await informer.start();
    await eventually('its watch to be open (and the previous test’s closed)', () =>
      front.openWatches === 1 ? true : undefined,
    );
    const create = async () =>
      (
        (await api.createNamespacedCustomObject({
          ...WORKFLOW_EXECUTIONS,
          namespace,
          body: workflowExecutionManifest({ steps: [{ name: 'restart' }] }, namespace),
        })) as KubernetesObject
      ).metadata.name;
    return { informer, namespace, events, relists, warnings, create };
  }

  it('sees objects created while it watches', async () => {
    const { informer, namespace, events, create } = await startInformer();
    const name = await create();
    await eventually('the watch to deliver it', () => (informer.get(namespace, name) ? true : undefined));
    expect(events).toEqual([{ type: 'ADDED', name }]);
    expect(informer.stats).toMatchObject({ lists: 1, goneRelists: 0 });
  });

  it('restarts a watch that fell silent and resumes it where it was, without listing again', async () => {
    const { informer, namespace, events, warnings, create } = await startInformer();
    front.silenceWatches();
    const name = await create(); // the silent watch never delivers it
    await eventually(
      'the watchdog to restart the watch and the resumed watch to deliver the object',
      () => (informer.get(namespace, name) ? true : undefined),
      30_000,
    );
    expect(warnings).toContain('watch silent: restarting it');
    expect(informer.stats.watchRestarts).toBeGreaterThanOrEqual(1);
    expect(informer.stats).toMatchObject({ lists: 1, goneRelists: 0 });
    expect(events).toEqual([{ type: 'ADDED', name }]);
  });

  it('lists everything again when the server says its resourceVersion is too old (410 Gone)', async () => {
    const { informer, namespace, events, relists, create } = await startInformer();
    const before = await create();
    await eventually('the first object', () => (informer.get(namespace, before) ? true : undefined));
    front.silenceWatches();
    const missed = await create(); // only a relist (or a resumed watch) can report it now
    front.expireWatches();
    await eventually('the relist after 410', () => (informer.stats.goneRelists === 1 ? true : undefined));
    await eventually('the missed object', () => (informer.get(namespace, missed) ? true : undefined));
    expect(informer.stats.lists).toBe(2);
    expect(relists).toEqual([[], [before, missed].sort()]);
    expect(events).toEqual([
      { type: 'ADDED', name: before },
      { type: 'ADDED', name: missed },
    ]);

    // And it watches again from the new list.
    const after = await create();
    await eventually('an object created after the relist', () => (informer.get(namespace, after) ? true : undefined));
    expect(informer.stats.lists).toBe(2);
  });
});
