// The CRDs on a real API server (the local stack's kube-apiserver): what users apply is
// accepted or rejected by the server with a message naming the field, the spec cannot change, the
// status the domain writes fits the schema without pruning, and kubectl shows the printer columns.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import {
  API_GROUP,
  API_VERSION,
  PIPELINE_RUN,
  REMEDIATION_REQUEST,
  TEKTON_GROUP,
  TEKTON_VERSION,
  WORKFLOW_EXECUTION,
} from '../../src/domain/names';
import { translatePipelineRun } from '../../src/domain/pipeline-run';
import { initialWorkflowExecutionStatus, mapWorkflowExecutionStatus } from '../../src/domain/status';
import { validateWorkflowExecution } from '../../src/domain/validation';
import type { WorkflowExecution } from '../../src/domain/workflow-execution';
import { createNamespace, ensureNamespace, getStackInfo, kubeConfig, uniqueName } from '../support/stack';
import { readExample, tektonScenario } from '../support/examples';
import { kubectlPath } from '../support/kubectl';

const kc = kubeConfig();
const api = kc.makeApiClient(k8s.CustomObjectsApi);
const wfeApi = { group: API_GROUP, version: API_VERSION, plural: WORKFLOW_EXECUTION.plural };
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

type Wfe = { metadata: Record<string, unknown>; spec: Record<string, unknown> & { steps: Record<string, unknown>[] } };

function example(name: string, namespace: string, wfeName = uniqueName('wfe')): Wfe {
  const raw = readExample(name) as Wfe;
  return { ...raw, metadata: { ...raw.metadata, name: wfeName, namespace } };
}

async function create(namespace: string, body: unknown): Promise<WorkflowExecution> {
  return (await api.createNamespacedCustomObject({
    ...wfeApi,
    namespace,
    body,
    fieldValidation: 'Strict',
  })) as WorkflowExecution;
}

/** The server's rejection: HTTP status and the causes' messages, each naming a field. */
async function rejection(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      return { code: e.code, message: String(body?.message ?? '') };
    }
    throw e;
  }
  throw new Error('the server accepted the request');
}

/** The causes of a 422: each field and its message without the server's `Invalid value: "…": ` prefix. */
async function rejectionCauses(request: Promise<unknown>): Promise<{ field: string; message: string }[]> {
  try {
    await request;
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      const causes = (body?.details?.causes ?? []) as { field: string; message: string }[];
      return causes.map((c) => ({ field: c.field, message: c.message.replace(/^Invalid value: "[^"]*": /, '') }));
    }
    throw e;
  }
  throw new Error('the server accepted the request');
}

describe('WorkflowExecution CRD on the API server', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await createNamespace('crds', kc);
  });

  it.each(['restart-pod.yaml', 'dag-remediation.yaml'])('accepts %s without dropping any field', async (file) => {
    const body = example(file, namespace);
    const created = await create(namespace, body);
    expect(created.spec).toEqual(body.spec);
    // What the server returns is what the workflow will validate and translate.
    const valid = validateWorkflowExecution(created, { requireDigest: true });
    expect(valid.ok).toBe(true);
  });

  it('rejects the invalid example, naming the step name field', async () => {
    const { code, message } = await rejection(create(namespace, example('invalid.yaml', namespace)));
    expect(code).toBe(422);
    expect(message).toContain('spec.steps[0].name');
    expect(message).toContain('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
  });

  it.each([
    ['no steps', (w: Wfe) => void (w.spec.steps = []), 'spec.steps'],
    ['a zero timeout', (w: Wfe) => void (w.spec.timeout = '0s'), 'timeout must be a positive duration'],
    ['a timeout without unit', (w: Wfe) => void (w.spec.timeout = '30'), 'spec.timeout'],
    [
      'a lower-case kind in the target',
      (w: Wfe) => void (w.spec.targetResource = 'demo/deployment/x'),
      'spec.targetResource',
    ],
    [
      'an actionType without domain',
      (w: Wfe) => void (w.spec.steps[0].actionType = 'restart'),
      'spec.steps[0].actionType',
    ],
    ['too many retries', (w: Wfe) => void (w.spec.steps[0].retries = 11), 'spec.steps[0].retries'],
    ['an unknown field', (w: Wfe) => void (w.spec.steps[0].runafter = []), 'runafter'],
  ])('rejects %s with a message naming it', async (_label, mutate, expected) => {
    const body = example('dag-remediation.yaml', namespace);
    mutate(body);
    const { message } = await rejection(create(namespace, body));
    expect(message).toContain(expected);
  });

  // The CEL rules of the step graph name the step and the entry in the words `npm run render` uses: the
  // server's text is the start of render's message (render adds what only it can list, e.g. the known steps).
  it.each([
    {
      label: 'a duplicate step name',
      mutate: (w: Wfe) => {
        w.spec.steps[1].name = 'restart-pods';
        w.spec.steps[2].runAfter = ['restart-pods'];
      },
      field: 'spec.steps',
      renderPath: 'spec.steps[1].name',
      expected: 'duplicate step name "restart-pods": step names must be unique within a WorkflowExecution',
    },
    {
      label: 'runAfter naming no step',
      mutate: (w: Wfe) => void (w.spec.steps[2].runAfter = ['restart-pods', 'ghost']),
      field: 'spec.steps',
      renderPath: 'spec.steps[2].runAfter[1]',
      expected: 'step "create-gitops-pr": runAfter names "ghost", which is not a step of this WorkflowExecution',
    },
    {
      label: 'a step waiting for itself',
      mutate: (w: Wfe) => void (w.spec.steps[1].runAfter = ['scale-deployment']),
      field: 'spec.steps[1].runAfter',
      renderPath: 'spec.steps[1].runAfter[0]',
      expected: 'step "scale-deployment" lists itself in runAfter; a step cannot wait for itself: remove this entry',
    },
  ])(
    'rejects $label naming the step and the entry, as render does',
    async ({ mutate, field, renderPath, expected }) => {
      const body = example('dag-remediation.yaml', namespace);
      mutate(body);
      const causes = await rejectionCauses(create(namespace, body));
      expect(causes).toEqual([{ field, message: expected }]);

      const rendered = validateWorkflowExecution(body);
      expect(rendered.ok).toBe(false);
      const renderError = !rendered.ok && rendered.errors.find((e) => e.path === renderPath);
      expect(renderError && renderError.message.startsWith(expected)).toBe(true);
    },
  );

  it('rejects any change of the spec once created', async () => {
    const created = await create(namespace, example('restart-pod.yaml', namespace));
    const name = created.metadata.name;
    const { code, message } = await rejection(
      api.patchNamespacedCustomObject({ ...wfeApi, namespace, name, body: { spec: { timeout: '20m' } } }, mergePatch),
    );
    expect(code).toBe(422);
    expect(message).toContain('spec is immutable');
    // Metadata (labels, finalizers …) stays editable.
    await api.patchNamespacedCustomObject(
      { ...wfeApi, namespace, name, body: { metadata: { labels: { team: 'sre' } } } },
      mergePatch,
    );
  });

  it('stores every status the domain writes exactly, with no field pruned', async () => {
    const created = await create(namespace, example('dag-remediation.yaml', namespace, 'dag-remediation'));
    const name = created.metadata.name;
    const initial = initialWorkflowExecutionStatus(created, new Date(), {
      temporal: { namespace: 'default', workflowId: `wfe/${namespace}/${name}/${created.metadata.uid}`, runId: 'r1' },
    });
    let previous = initial;
    for (const scenario of ['running-partial', 'step-oom']) {
      const { pipelineRun, taskRuns } = tektonScenario(scenario);
      const status = mapWorkflowExecutionStatus({
        pipelineRun,
        taskRuns,
        previous,
        now: new Date(),
        workflowExecution: created,
      });
      const patched = (await api.patchNamespacedCustomObjectStatus(
        { ...wfeApi, namespace, name, body: { status }, fieldValidation: 'Strict' },
        mergePatch,
      )) as { status: unknown };
      expect(patched.status).toEqual(status);
      previous = status;
    }
  });

  it('translates a server-created WFE into a PipelineRun the Tekton v1 CRD accepts', async () => {
    const created = await create(namespace, example('dag-remediation.yaml', namespace));
    const valid = validateWorkflowExecution(created);
    if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
    const pr = translatePipelineRun(valid.value, { temporalWorkflowId: 'wfe/test' });
    const stored = (await api.createNamespacedCustomObject({
      group: TEKTON_GROUP,
      version: TEKTON_VERSION,
      plural: PIPELINE_RUN.plural,
      namespace,
      body: pr,
      fieldValidation: 'Strict',
    })) as { spec: unknown; metadata: { ownerReferences: unknown } };
    expect(stored.spec).toEqual(pr.spec);
    expect(stored.metadata.ownerReferences).toEqual(pr.metadata.ownerReferences);
  });

  it('shows Phase, Target, Steps, Waiting, Queue, Reason and Age in kubectl get wfe (empty cells while not waiting)', async () => {
    const ns = await createNamespace('printer', kc);
    const created = await create(ns, example('dag-remediation.yaml', ns, 'printed'));
    const { pipelineRun, taskRuns } = tektonScenario('step-oom');
    const status = mapWorkflowExecutionStatus({ pipelineRun, taskRuns, now: new Date(), workflowExecution: created });
    await api.patchNamespacedCustomObjectStatus(
      { ...wfeApi, namespace: ns, name: 'printed', body: { status } },
      mergePatch,
    );

    const { stdout } = await promisify(execFile)(kubectlPath(), [
      '--kubeconfig',
      getStackInfo().kube.kubeconfigPath,
      'get',
      WORKFLOW_EXECUTION.shortName,
      '-n',
      ns,
    ]);
    const [header, row] = stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['NAME', 'PHASE', 'TARGET', 'STEPS', 'WAITING', 'QUEUE', 'REASON', 'AGE']);
    expect(row.split(/\s+/).slice(0, 5)).toEqual([
      'printed',
      'Failed',
      'demo/Deployment/payment-api',
      '1/3',
      'OOMKilled',
    ]);
  });
});

describe('RemediationRequest CRD on the API server', () => {
  const namespace = uniqueName('crds-rr');
  beforeAll(() => ensureNamespace(namespace, kc));
  const rrApi = { group: API_GROUP, version: API_VERSION, plural: REMEDIATION_REQUEST.plural, namespace };
  const rr = (name: string) => ({
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: REMEDIATION_REQUEST.kind,
    metadata: { name, namespace },
    spec: {
      targetResource: { kind: 'Deployment', name: 'payment-api', namespace: 'demo' },
      signalName: 'HighLatency',
      priority: 'P1',
    },
  });

  it('accepts a request, keeps the orchestrator’s own fields and takes an overall phase', async () => {
    const created = (await api.createNamespacedCustomObject({ ...rrApi, body: rr('rr-1') })) as {
      spec: Record<string, unknown>;
    };
    expect(created.spec.priority).toBe('P1');
    const patched = (await api.patchNamespacedCustomObjectStatus(
      { ...rrApi, name: 'rr-1', body: { status: { overallPhase: 'Completed', outcome: 'Remediated' } } },
      mergePatch,
    )) as { status: Record<string, unknown> };
    expect(patched.status).toEqual({ overallPhase: 'Completed', outcome: 'Remediated' });
  });

  it('rejects an overall phase outside the enum', async () => {
    await api.createNamespacedCustomObject({ ...rrApi, body: rr('rr-2') });
    const { message } = await rejection(
      api.patchNamespacedCustomObjectStatus(
        { ...rrApi, name: 'rr-2', body: { status: { overallPhase: 'Done' } } },
        mergePatch,
      ),
    );
    expect(message).toContain('status.overallPhase');
  });

  it('requires the target resource', async () => {
    const body = rr('rr-3') as { spec: Record<string, unknown> };
    delete body.spec.targetResource;
    const { message } = await rejection(api.createNamespacedCustomObject({ ...rrApi, body }));
    expect(message).toContain('spec.targetResource');
  });
});
