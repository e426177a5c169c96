/**
 * The baseline: a bare controller with no Temporal — one watch on WorkflowExecutions, and for each new one
 * the same validation and translation the worker does, then one create of its PipelineRun. What "WFE created
 * → PipelineRun created" costs with nothing durable in between, measured in the same run as the real path
 * (same API server, same machine load, copies of the same WFEs in a namespace of its own). Its PipelineRuns
 * are created `PipelineRunPending`, so nothing runs them.
 *
 *     node --require tsx/cjs bench/execution/bare-controller.ts '{"namespace":"…"}'   (KUBECONFIG set)
 */
import * as k8s from '@kubernetes/client-node';
import { translatePipelineRun } from '../../src/domain/pipeline-run';
import { validateWorkflowExecution } from '../../src/domain/validation';
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import { Informer } from '../../src/kubernetes/informer';
import { PIPELINE_RUNS, WORKFLOW_EXECUTIONS } from '../../src/kubernetes/resources';

async function main(): Promise<void> {
  const { namespace } = JSON.parse(process.argv[2] ?? '{}') as { namespace: string };
  const kubeConfig = loadKubeConfig(process.env.KUBECONFIG);
  const api = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const seen = new Set<string>();
  const informer = new Informer({
    kubeConfig,
    resource: WORKFLOW_EXECUTIONS,
    namespace,
    resyncIntervalMs: 10 * 60_000,
    watchSilenceMs: 60_000,
  });
  informer.on((type, wfe) => {
    const uid = wfe.metadata.uid;
    if (type !== 'ADDED' || !uid || seen.has(uid)) return;
    seen.add(uid);
    const valid = validateWorkflowExecution(wfe);
    if (!valid.ok) return;
    const manifest = translatePipelineRun(valid.value, { temporalWorkflowId: `bare/${uid}` });
    const body = { ...manifest, spec: { ...manifest.spec, status: 'PipelineRunPending' } };
    api
      .createNamespacedCustomObject({ ...PIPELINE_RUNS, namespace, body })
      .catch((err: unknown) => console.error(`creating the PipelineRun of ${wfe.metadata.name}: ${String(err)}`));
  });
  await informer.start();
  console.log('bare controller watching');
  const stop = () => {
    informer.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
