import fc from 'fast-check';
import { isDns1123Label, isLabelValue } from '../../src/domain/kubernetes-names';
import { ANNOTATIONS, KUBERNAUT_ACTION_TASK, LABELS, MANAGED_BY } from '../../src/domain/names';
import { pipelineRunName, serializeInputs, translatePipelineRun } from '../../src/domain/pipeline-run';
import { validateWorkflowExecution } from '../../src/domain/validation';
import type { WorkflowExecution } from '../../src/domain/workflow-execution';
import { validWorkflowExecution } from './support/arbitraries';
import { loadExample } from '../support/examples';

const TEMPORAL_ID = 'wfe/demo/dag-remediation/6f1c2a9e-3b7d-4e8f-9a01-2c3d4e5f6a7b';
const dag = loadExample('dag-remediation.yaml');
const pr = translatePipelineRun(dag, { temporalWorkflowId: TEMPORAL_ID });

function mustValidate(obj: unknown): WorkflowExecution {
  const result = validateWorkflowExecution(obj);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe('translatePipelineRun', () => {
  it('creates a tekton.dev/v1 PipelineRun in the namespace of the WFE', () => {
    expect(pr.apiVersion).toBe('tekton.dev/v1');
    expect(pr.kind).toBe('PipelineRun');
    expect(pr.metadata.namespace).toBe('demo');
    expect(pr.metadata.name).toBe(pipelineRunName(dag));
  });

  it('links back to the WFE with labels, annotations and a controller owner reference', () => {
    expect(pr.metadata.labels).toEqual({
      [LABELS.workflowExecution]: 'dag-remediation',
      [LABELS.remediation]: 'rr-payment-api-latency',
      [LABELS.targetResource]: 'demo__Deployment__payment-api',
      [LABELS.managedBy]: MANAGED_BY,
    });
    expect(pr.metadata.annotations).toEqual({
      [ANNOTATIONS.targetResource]: 'demo/Deployment/payment-api',
      [ANNOTATIONS.temporalWorkflowId]: TEMPORAL_ID,
    });
    expect(pr.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'kubernaut.ai/v1alpha1',
        kind: 'WorkflowExecution',
        name: 'dag-remediation',
        uid: dag.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('runs every step through the kubernaut-action Task with its type, image and inputs', () => {
    const [restart, scale, gitops] = pr.spec.pipelineSpec.tasks;
    expect(restart.taskRef).toEqual({ name: KUBERNAUT_ACTION_TASK, kind: 'Task' });
    expect(scale.params).toEqual([
      { name: 'actionType', value: 'kubernetes/scale_deployment' },
      { name: 'actionImage', value: dag.spec.steps[1].image },
      { name: 'inputs', value: '{"namespace":"demo","deployment":"payment-api","replicas":5}' },
    ]);
    expect(gitops.runAfter).toEqual(['restart-pods', 'scale-deployment']);
    expect(restart.runAfter).toBeUndefined();
  });

  it('copies per-step timeout and retries, and the execution timeout, in Go canonical form as Tekton stores them', () => {
    const scale = pr.spec.pipelineSpec.tasks[1];
    expect(scale.timeout).toBe('5m0s');
    expect(scale.retries).toBe(2);
    expect(pr.spec.pipelineSpec.tasks[0].retries).toBeUndefined();
    expect(pr.spec.timeouts).toEqual({ pipeline: '30m0s' });
  });

  it('cuts the timeouts to what is left after a wait for the target, in whole seconds, never below 1s', () => {
    const after = (remainingTimeoutMs: number) =>
      translatePipelineRun(dag, { temporalWorkflowId: 'x', remainingTimeoutMs }).spec;
    // 30m execution, steps of 5m and 10m: 7m 30.9s left keeps the 5m steps and cuts the rest.
    const cut = after(450_900);
    expect(cut.timeouts).toEqual({ pipeline: '7m30s' });
    expect(cut.pipelineSpec.tasks.map((t) => t.timeout)).toEqual(['5m0s', '5m0s', '7m30s']);
    expect(after(400).timeouts).toEqual({ pipeline: '1s' });
    // Nothing waited long enough to matter: the spec's own timeouts.
    expect(after(3_600_000).timeouts).toEqual({ pipeline: '30m0s' });
  });

  it('defaults the execution timeout to 30m', () => {
    const { timeout: _timeout, ...spec } = dag.spec;
    expect(translatePipelineRun({ ...dag, spec }, { temporalWorkflowId: 'x' }).spec.timeouts.pipeline).toBe('30m0s');
  });

  it('runs action pods as the WFE service account, non-root, with the RuntimeDefault seccomp profile', () => {
    expect(pr.spec.taskRunTemplate).toEqual({
      serviceAccountName: 'kubernaut-action-runner',
      podTemplate: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
    });
  });

  it('is deterministic: the same WFE always gives the same PipelineRun', () => {
    expect(translatePipelineRun(loadExample('dag-remediation.yaml'), { temporalWorkflowId: TEMPORAL_ID })).toEqual(pr);
  });

  it('refuses a WFE without uid, which the name and owner reference need', () => {
    const { uid: _uid, ...metadata } = dag.metadata;
    expect(() => translatePipelineRun({ ...dag, metadata }, { temporalWorkflowId: 'x' })).toThrow(/metadata\.uid/);
  });

  it('shortens a long target into a valid label and keeps the full target in the annotation', () => {
    const target = `production-eu-west-1/Deployment/${'very-long-service-name-'.repeat(4)}api`;
    const wfe = mustValidate({ ...dag, spec: { ...dag.spec, targetResource: target } });
    const run = translatePipelineRun(wfe, { temporalWorkflowId: 'x' });
    const label = run.metadata.labels[LABELS.targetResource];
    expect(isLabelValue(label)).toBe(true);
    expect(label.startsWith('production-eu-west-1__Deployment__very-long')).toBe(true);
    expect(run.metadata.annotations[ANNOTATIONS.targetResource]).toBe(target);
  });

  describe('properties', () => {
    it('gives one task per step with identical runAfter edges and no dangling references', () => {
      fc.assert(
        fc.property(validWorkflowExecution(), (obj) => {
          const wfe = mustValidate(obj);
          const tasks = translatePipelineRun(wfe, { temporalWorkflowId: 'id' }).spec.pipelineSpec.tasks;
          expect(tasks.map((t) => t.name)).toEqual(wfe.spec.steps.map((s) => s.name));
          const names = new Set(tasks.map((t) => t.name));
          tasks.forEach((task, i) => {
            expect(task.runAfter ?? []).toEqual(wfe.spec.steps[i].runAfter);
            for (const dep of task.runAfter ?? []) expect(names.has(dep)).toBe(true);
          });
        }),
      );
    });

    it('passes inputs so they decode to the same JSON and contain no Tekton "$(" expression', () => {
      fc.assert(
        fc.property(validWorkflowExecution(), (obj) => {
          const wfe = mustValidate(obj);
          const tasks = translatePipelineRun(wfe, { temporalWorkflowId: 'id' }).spec.pipelineSpec.tasks;
          tasks.forEach((task, i) => {
            const param = task.params.find((p) => p.name === 'inputs')!.value;
            expect(param).not.toContain('$(');
            // JSON itself cannot tell -0 from 0: compare with what JSON can carry.
            expect(JSON.parse(param)).toEqual(JSON.parse(JSON.stringify(wfe.spec.steps[i].inputs)));
          });
        }),
      );
    });

    it('produces Kubernetes-valid names and label values', () => {
      fc.assert(
        fc.property(validWorkflowExecution(4), (obj) => {
          const run = translatePipelineRun(mustValidate(obj), { temporalWorkflowId: 'id' });
          expect(isDns1123Label(run.metadata.name)).toBe(true);
          expect(run.metadata.name.length).toBeLessThanOrEqual(49);
          for (const value of Object.values(run.metadata.labels)) expect(isLabelValue(value)).toBe(true);
        }),
      );
    });
  });
});

describe('pipelineRunName', () => {
  it('keeps the WFE name readable and adds a hash of the uid', () => {
    expect(pipelineRunName({ metadata: { name: 'restart-payment', uid: 'a' } })).toMatch(
      /^restart-payment-[0-9a-f]{8}$/,
    );
  });

  it('differs for a WFE re-created under the same name (new uid)', () => {
    expect(pipelineRunName({ metadata: { name: 'x', uid: 'uid-1' } })).not.toBe(
      pipelineRunName({ metadata: { name: 'x', uid: 'uid-2' } }),
    );
  });

  it('truncates long and dotted names to a DNS-1123 label of at most 49 characters', () => {
    const name = pipelineRunName({ metadata: { name: `a.b-${'x'.repeat(250)}`, uid: 'u' } });
    expect(name.length).toBeLessThanOrEqual(49);
    expect(isDns1123Label(name)).toBe(true);
    expect(name.startsWith('a-b-xxx')).toBe(true);
  });
});

describe('serializeInputs', () => {
  it('escapes "$" so Tekton cannot read user data as a variable, without changing the JSON value', () => {
    const inputs = { cmd: 'echo $(params.secret)', nested: { a: '$HOME' } };
    const text = serializeInputs(inputs);
    expect(text).not.toContain('$');
    expect(JSON.parse(text)).toEqual(inputs);
  });
});
