/**
 * The worker's outcome counter counts each WFE's end once, even when the local activity that ends it runs
 * again (its workflow task timed out before the result was recorded). Activities are plain functions here:
 * the counting wraps them, whatever they do.
 */
import type { Activities } from '../../src/activities';
import { COUNTED_ENDS_KEPT, instrumentActivities } from '../../src/activities/instrumentation';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { createWorkerMetrics } from '../../src/observability/worker-metrics';

const ref = (uid: string) => ({ namespace: 'prod', name: `wfe-${uid}`, uid });
const failed = { phase: 'Failed', failureDetails: { reason: 'TaskFailed', message: 'm' } } as WorkflowExecutionStatus;

function instrumented() {
  const metrics = createWorkerMetrics();
  const plain = {
    finishExecution: async () => undefined,
    beginExecution: async () => ({ kind: 'gone' as const }),
  } as unknown as Activities;
  return { metrics, activities: instrumentActivities(plain, metrics) };
}

const count = async (metrics: ReturnType<typeof createWorkerMetrics>, outcome: string) =>
  (await metrics.executions.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe('kubernaut_workflow_executions_total', () => {
  it('counts an end once when finishExecution runs again for the same WFE, and each WFE once', async () => {
    const { metrics, activities } = instrumented();
    const finish = (uid: string) =>
      activities.finishExecution({ ref: ref(uid), status: failed, releaseFinalizer: true });
    await finish('a');
    await finish('a');
    await finish('b');
    expect(await count(metrics, 'TaskFailed')).toBe(2);
  });

  it('counts a WFE deleted before its run began as Cancelled, once', async () => {
    const { metrics, activities } = instrumented();
    const begin = () => activities.beginExecution({ ref: ref('c') } as Parameters<Activities['beginExecution']>[0]);
    await begin();
    await begin();
    expect(await count(metrics, 'Cancelled')).toBe(1);
  });

  it(`forgets the oldest of more than ${COUNTED_ENDS_KEPT} ends (memory stays bounded)`, async () => {
    const { metrics, activities } = instrumented();
    const finish = (uid: string) =>
      activities.finishExecution({ ref: ref(uid), status: failed, releaseFinalizer: true });
    for (let i = 0; i <= COUNTED_ENDS_KEPT; i++) await finish(`u${i}`);
    await finish('u0'); // forgotten: counted again
    await finish(`u${COUNTED_ENDS_KEPT}`); // remembered
    expect(await count(metrics, 'TaskFailed')).toBe(COUNTED_ENDS_KEPT + 2);
  });
});
