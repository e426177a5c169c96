// The generic Task is the security boundary between WFE data and the cluster: inputs must reach the
// container as data, never as part of a command line, and the container must be unprivileged.
import { parse } from 'yaml';
import { ACTION_PARAMS } from '../../src/domain/pipeline-run';
import { KUBERNAUT_ACTION_TASK } from '../../src/domain/names';
import { readRepoFile } from '../support/examples';

const task = parse(readRepoFile('deploy', 'tekton', 'kubernaut-action.yaml'));
const steps: Record<string, unknown>[] = task.spec.steps;

describe('kubernaut-action Task', () => {
  it('is a tekton.dev/v1 Task named like the PipelineRuns reference it', () => {
    expect(task.apiVersion).toBe('tekton.dev/v1');
    expect(task.kind).toBe('Task');
    expect(task.metadata.name).toBe(KUBERNAUT_ACTION_TASK);
  });

  it('declares the parameters the translation passes', () => {
    expect(task.spec.params.map((p: { name: string }) => p.name)).toEqual(Object.values(ACTION_PARAMS));
  });

  it('runs one step whose image is the actionImage parameter', () => {
    expect(steps).toHaveLength(1);
    expect(steps[0].image).toBe('$(params.actionImage)');
  });

  it('passes inputs only through an environment variable, never a command line or script', () => {
    const step = steps[0];
    expect(step.script).toBeUndefined();
    expect(step.command).toBeUndefined();
    expect(step.args).toBeUndefined();
    expect(step.env).toContainEqual({ name: 'ACTION_INPUTS', value: '$(params.inputs)' });
    const { env: _env, ...rest } = step;
    expect(JSON.stringify(rest)).not.toContain('$(params.inputs)');
  });

  it('runs unprivileged: non-root, no privilege escalation, no capabilities', () => {
    expect(steps[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });
});
