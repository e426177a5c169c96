/**
 * A remediation that executed nothing is not scored (upstream's `no_execution`, ADR-EM-001 §5): a
 * WorkflowExecution rejected by validation gets an assessment with status `no_execution` and no score,
 * however its target's and action type's history look, and it does not make its target a loop. The worker
 * is the execution environment's, with the stack's registry as its only allowed one and no stabilization.
 */
import { seedActionHistory } from './support/seed';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { eventually, getStackInfo, uniqueName } from '../support/stack';

jest.setTimeout(180_000);

const HOUR = 60 * 60 * 1000;
const ACTION_TYPE = 'kubernetes/restart_pod';

describe('effectiveness of a remediation that executed nothing', () => {
  let env: ExecutionEnv;
  beforeAll(async () => {
    env = await createExecutionEnv({
      prefix: 'no-exec',
      policy: { allowedRegistries: [getStackInfo().registry.address] },
      effectivenessStabilizationMs: 0,
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  const assessmentOf = (remediation: string) =>
    eventually(
      `the assessment of ${remediation}`,
      async () => (await env.dataStorage.getAssessment(`${env.namespace}/${remediation}`)) ?? undefined,
      120_000,
    );

  it('records a WorkflowExecution rejected by validation as no_execution, unscored, and not part of a loop', async () => {
    const target = `${env.namespace}/Deployment/${uniqueName('web')}`;
    // Two other remediations succeeded on this target within 24h, one more would make a loop: exactly
    // what a rejected WFE was reported as on main (score 1.0, ineffective_loop).
    await seedActionHistory(env.dataStorage, {
      target,
      actionType: ACTION_TYPE,
      actions: [
        { status: 'succeeded', ageMs: 2 * HOUR },
        { status: 'succeeded', ageMs: 4 * HOUR },
      ],
    });

    const rejected = uniqueName('rr-rejected');
    const wfe = await env.createWorkflowExecution({
      remediation: rejected,
      target,
      // Outside the worker's allowed registries: rejected before anything runs.
      steps: [{ name: 'restart', actionType: ACTION_TYPE, image: 'docker.io/library/busybox:1.36' }],
    });
    expect(await env.run(wfe)).toMatchObject({ phase: 'Failed', reason: 'ConfigurationError' });

    expect(await assessmentOf(rejected)).toMatchObject({
      remediationId: `${env.namespace}/${rejected}`,
      target,
      status: 'no_execution',
      score: null,
      confidence: null,
      sampleSize: 0,
      recurrence: [],
      ineffectiveLoop: false,
    });

    // The next remediation that does run is the third on the target, not the fourth: the rejected one
    // left no action record, so it is no loop member.
    const ran = uniqueName('rr-ran');
    const next = await env.createWorkflowExecution({ remediation: ran, target, steps: [{ name: 'restart' }] });
    expect((await env.run(next)).phase).toBe('Completed');
    expect(await assessmentOf(ran)).toMatchObject({
      status: 'ineffective_loop',
      score: 1,
      recurrence: [{ actionType: ACTION_TYPE, remediations: 3 }],
    });
  });
});
