import fc from 'fast-check';
import { formatPath, validateWorkflowExecution, ValidationError, ValidationPolicy } from '../../src/domain/validation';
import { validWorkflowExecution } from './support/arbitraries';
import { readExample } from '../support/examples';

const DIGEST = 'sha256:347fabd5c622f93c9b29fc523e51063c21a12772105e265468ab21329f8a8915';

function base(): {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown> & { steps: Record<string, unknown>[] };
} {
  return {
    metadata: { name: 'fix', namespace: 'demo' },
    spec: {
      remediationRequestRef: { name: 'rr-1' },
      targetResource: 'demo/Deployment/api',
      steps: [
        { name: 'a', actionType: 'kubernetes/restart_pod', image: `ghcr.io/kubernaut/actions/kubectl@${DIGEST}` },
        {
          name: 'b',
          actionType: 'kubernetes/scale_deployment',
          image: 'ghcr.io/kubernaut/actions/kubectl:1.0',
          runAfter: ['a'],
        },
      ],
    },
  };
}

function errorsOf(obj: unknown, policy?: ValidationPolicy): ValidationError[] {
  const result = validateWorkflowExecution(obj, policy);
  return result.ok ? [] : result.errors;
}

function withStep(index: number, patch: Record<string, unknown>) {
  const wfe = base();
  wfe.spec.steps[index] = { ...wfe.spec.steps[index], ...patch };
  return wfe;
}

describe('validateWorkflowExecution', () => {
  describe('examples', () => {
    it.each(['restart-pod.yaml', 'dag-remediation.yaml'])('accepts %s, even with digests required', (name) => {
      const result = validateWorkflowExecution(readExample(name), {
        requireDigest: true,
        allowedRegistries: ['ghcr.io/kubernaut/actions'],
      });
      expect(result.ok).toBe(true);
    });

    it('rejects invalid.yaml naming the bad step name and the cycle', () => {
      const errors = errorsOf(readExample('invalid.yaml'));
      expect(errors).toEqual([
        expect.objectContaining({
          path: 'spec.steps[0].name',
          message: expect.stringContaining('"Restart_Pods" must be a DNS-1123 label'),
        }),
        expect.objectContaining({
          path: 'spec.steps[2].runAfter[0]',
          message: expect.stringContaining('scale → verify → scale'),
        }),
      ]);
    });
  });

  it('returns the typed WFE with defaults applied', () => {
    const result = validateWorkflowExecution(base());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.spec.steps[0].runAfter).toEqual([]);
    expect(result.value.spec.steps[0].inputs).toEqual({});
  });

  describe('fields', () => {
    it('explains the DNS-1123 rule for a bad step name', () => {
      expect(errorsOf(withStep(0, { name: 'Bad_Name' }))).toContainEqual({
        path: 'spec.steps[0].name',
        message:
          'step name "Bad_Name" must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters',
      });
    });

    it('rejects a step name longer than 63 characters', () => {
      expect(errorsOf(withStep(0, { name: 'a'.repeat(64) })).map((e) => e.path)).toContain('spec.steps[0].name');
    });

    it('requires between 1 and 50 steps', () => {
      const none = base();
      none.spec.steps = [];
      expect(errorsOf(none)).toContainEqual({ path: 'spec.steps', message: 'steps must list at least one step' });
      const many = base();
      many.spec.steps = Array.from({ length: 51 }, (_, i) => ({ name: `s${i}`, actionType: 'a/b', image: 'busybox' }));
      expect(errorsOf(many)).toContainEqual({ path: 'spec.steps', message: 'steps must list at most 50 steps' });
    });

    it('names missing required fields', () => {
      const wfe = base();
      delete wfe.spec.targetResource;
      wfe.spec.steps[1] = { name: 'b' };
      expect(errorsOf(wfe).map((e) => e.path)).toEqual(
        expect.arrayContaining(['spec.targetResource', 'spec.steps[1].actionType', 'spec.steps[1].image']),
      );
    });

    it('flags unknown fields, which the API server would silently drop', () => {
      const [error] = errorsOf(withStep(1, { runafter: ['a'] }));
      expect(error.path).toBe('spec.steps[1].runafter');
      expect(error.message).toContain(
        'allowed fields here: name, actionType, image, inputs, runAfter, timeout, retries',
      );
    });

    it('requires the actionType taxonomy form', () => {
      expect(errorsOf(withStep(0, { actionType: 'RestartPod' }))[0]).toMatchObject({
        path: 'spec.steps[0].actionType',
        message: expect.stringContaining("'<domain>/<action>'"),
      });
    });

    it('requires inputs to be a JSON object', () => {
      expect(errorsOf(withStep(0, { inputs: ['x'] }))[0]).toMatchObject({
        path: 'spec.steps[0].inputs',
        message: 'inputs must be a JSON object (key/value map), got a list',
      });
    });

    it('bounds retries', () => {
      expect(errorsOf(withStep(0, { retries: 11 }))).toContainEqual({
        path: 'spec.steps[0].retries',
        message: 'retries must be at most 10',
      });
      expect(errorsOf(withStep(0, { retries: 1.5 }))[0].path).toBe('spec.steps[0].retries');
    });

    it('checks apiVersion and kind when present', () => {
      const wfe = { ...base(), apiVersion: 'kubernaut.ai/v1', kind: 'Workflow' };
      expect(errorsOf(wfe).map((e) => e.path)).toEqual(['apiVersion', 'kind']);
    });
  });

  describe('the step graph', () => {
    it('requires unique step names, calling a repeated one a duplicate', () => {
      expect(errorsOf(withStep(1, { name: 'a', runAfter: [] }))).toContainEqual({
        path: 'spec.steps[1].name',
        message:
          'duplicate step name "a": step names must be unique within a WorkflowExecution (spec.steps[0] already uses it)',
      });
    });

    it('rejects runAfter naming a step that does not exist, naming the step and listing the ones that do', () => {
      expect(errorsOf(withStep(1, { runAfter: ['a', 'ghost'] }))).toEqual([
        {
          path: 'spec.steps[1].runAfter[1]',
          message: 'step "b": runAfter names "ghost", which is not a step of this WorkflowExecution; use one of: a',
        },
      ]);
    });

    it('rejects a step waiting for itself, naming it', () => {
      expect(errorsOf(withStep(1, { runAfter: ['b'] }))[0]).toEqual({
        path: 'spec.steps[1].runAfter[0]',
        message: 'step "b" lists itself in runAfter; a step cannot wait for itself: remove this entry',
      });
    });

    it('reports a cycle with the steps on it', () => {
      const errors = errorsOf(withStep(0, { runAfter: ['b'] }));
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/steps form a cycle through runAfter: (a → b → a|b → a → b)/);
      expect(errors[0].path).toMatch(/^spec\.steps\[[01]\]\.runAfter\[0\]$/);
    });

    it('rejects the same dependency listed twice', () => {
      expect(errorsOf(withStep(1, { runAfter: ['a', 'a'] }))[0]).toMatchObject({ path: 'spec.steps[1].runAfter[1]' });
    });
  });

  describe('inputs size', () => {
    it('accepts inputs up to 64 KiB and rejects larger ones with the size', () => {
      const fits = { blob: 'x'.repeat(64 * 1024 - 12) }; // {"blob":"…"} adds 11 bytes
      expect(errorsOf(withStep(0, { inputs: fits }))).toEqual([]);
      const [error] = errorsOf(withStep(0, { inputs: { blob: 'x'.repeat(64 * 1024) } }));
      expect(error.path).toBe('spec.steps[0].inputs');
      expect(error.message).toMatch(/serialize to 65547 bytes of JSON, more than the 65536 bytes/);
    });

    it('counts bytes, not characters', () => {
      const [error] = errorsOf(withStep(0, { inputs: { blob: 'é'.repeat(33_000) } }));
      expect(error?.path).toBe('spec.steps[0].inputs');
    });
  });

  describe('images', () => {
    it.each(['', 'ghcr.io/Kubernaut/actions', 'ghcr.io/x/y@sha256:abc', 'ghcr.io/x/y:tag with space', 'x:'])(
      'rejects %j',
      (image) => {
        expect(errorsOf(withStep(0, { image })).map((e) => e.path)).toContain('spec.steps[0].image');
      },
    );

    it('requires digests only when the policy says so, naming the image', () => {
      expect(errorsOf(base())).toEqual([]);
      expect(errorsOf(base(), { requireDigest: true })).toEqual([
        {
          path: 'spec.steps[1].image',
          message:
            'image "ghcr.io/kubernaut/actions/kubectl:1.0" must be pinned by digest (policy requireDigest): write it as ghcr.io/kubernaut/actions/kubectl@sha256:<64 hex>',
        },
      ]);
    });

    it('restricts registries only when the policy lists some', () => {
      const wfe = withStep(1, { image: 'docker.io/evil/tool:1' });
      expect(errorsOf(wfe, { allowedRegistries: [] })).toEqual([]);
      const errors = errorsOf(wfe, { allowedRegistries: ['ghcr.io/kubernaut'] });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        path: 'spec.steps[1].image',
        message: expect.stringContaining('allowedRegistries: ghcr.io/kubernaut'),
      });
    });
  });

  describe('service accounts', () => {
    const policy: ValidationPolicy = { allowedServiceAccounts: ['kubernaut-action-runner'] };
    const runAs = (serviceAccountName?: string) => {
      const wfe = base();
      if (serviceAccountName !== undefined) wfe.spec.serviceAccountName = serviceAccountName;
      return wfe;
    };

    it('lets steps run as any account when the policy lists none', () => {
      expect(errorsOf(runAs('cluster-admin-sa'))).toEqual([]);
      expect(errorsOf(runAs(), { allowedServiceAccounts: [] })).toEqual([]);
    });

    it('accepts an account the policy lists', () => {
      expect(errorsOf(runAs('kubernaut-action-runner'), policy)).toEqual([]);
    });

    it('refuses another account, naming the rule and what is allowed', () => {
      expect(errorsOf(runAs('deployer'), policy)).toEqual([
        {
          path: 'spec.serviceAccountName',
          message:
            'ServiceAccount "deployer" is not one the worker lets steps run as (policy allowedServiceAccounts: kubernaut-action-runner); use one of those, or ask the operator to allow it',
        },
      ]);
    });

    it('refuses a WFE that names no account (it would run as "default") unless "default" is listed', () => {
      expect(errorsOf(runAs(), policy)).toEqual([
        {
          path: 'spec.serviceAccountName',
          message: expect.stringContaining(
            'serviceAccountName is not set, so the steps would run as the namespace\'s "default" ServiceAccount, which the worker does not allow (policy allowedServiceAccounts: kubernaut-action-runner)',
          ),
        },
      ]);
      expect(errorsOf(runAs(), { allowedServiceAccounts: ['default'] })).toEqual([]);
    });

    it('reports the account together with the image policy, all at once', () => {
      const wfe = runAs('deployer');
      const errors = errorsOf(wfe, { ...policy, requireDigest: true });
      expect(errors.map((e) => e.path)).toEqual(['spec.serviceAccountName', 'spec.steps[1].image']);
    });
  });

  describe('timeouts', () => {
    it.each(['30m', '1h30m', '90s', '1.5h', '500ms'])('accepts %s', (timeout) => {
      const wfe = base();
      wfe.spec.timeout = '2h';
      wfe.spec.steps[0].timeout = timeout;
      expect(errorsOf(wfe)).toEqual([]);
    });

    it.each([
      ['10', 'is not a duration'],
      ['ten minutes', 'is not a duration'],
      ['-5m', 'is not a duration'],
      ['0s', 'must be positive'],
      ['5 m', 'is not a duration'],
    ])('rejects %j (%s)', (timeout, why) => {
      const wfe = base();
      wfe.spec.timeout = timeout;
      expect(errorsOf(wfe)).toEqual([{ path: 'spec.timeout', message: expect.stringContaining(why) }]);
    });

    it('rejects a step timeout longer than the execution timeout (default 30m)', () => {
      expect(errorsOf(withStep(0, { timeout: '45m' }))[0]).toMatchObject({
        path: 'spec.steps[0].timeout',
        message: expect.stringContaining('longer than the execution timeout "30m"'),
      });
    });
  });

  describe('cooldown', () => {
    const withCooldown = (cooldown: unknown) => ({ ...base(), spec: { ...base().spec, cooldown } });
    const bounds = { cooldownBoundsMs: { min: 60_000, max: 600_000 } };

    it.each(['1m', '10m', '5m30s'])("accepts %s within the worker's bounds", (cooldown) => {
      expect(errorsOf(withCooldown(cooldown), bounds)).toEqual([]);
    });

    it.each(['30s', '11m', '0s'])('rejects %s outside the bounds, naming them and the setting', (cooldown) => {
      expect(errorsOf(withCooldown(cooldown), bounds)).toEqual([
        {
          path: 'spec.cooldown',
          message: expect.stringMatching(
            /outside what this worker allows, 1m0s to 10m0s \(KUBERNAUT_TARGET_COOLDOWN_MIN\/_MAX\)/,
          ),
        },
      ]);
    });

    it('bounds a cooldown to 0s–1h when the worker sets no bounds', () => {
      expect(errorsOf(withCooldown('0s'))).toEqual([]);
      expect(errorsOf(withCooldown('2h'))[0]).toMatchObject({
        path: 'spec.cooldown',
        message: expect.stringContaining('0s to 1h0m0s'),
      });
    });

    it.each(['5', 'five minutes', '-1m'])('rejects %j as not a duration', (cooldown) => {
      expect(errorsOf(withCooldown(cooldown))).toEqual([
        { path: 'spec.cooldown', message: expect.stringContaining('is not a duration') },
      ]);
    });
  });

  describe('targetResource', () => {
    it.each(['demo/Deployment/api', 'Node/worker-1', 'prod/StatefulSet/db.primary'])('accepts %s', (targetResource) => {
      expect(errorsOf({ ...base(), spec: { ...base().spec, targetResource } })).toEqual([]);
    });

    it.each([
      ['api', 'must be'],
      ['demo/deployment/api', 'kind "deployment"'],
      ['Demo/Deployment/api', 'namespace "Demo"'],
      ['a/b/Deployment/api', 'must be'],
      ['demo/Deployment/API', 'name "API"'],
    ])('rejects %s', (targetResource, what) => {
      expect(errorsOf({ ...base(), spec: { ...base().spec, targetResource } })).toEqual([
        { path: 'spec.targetResource', message: expect.stringContaining(what) },
      ]);
    });
  });

  describe('properties', () => {
    it('never throws, whatever the input', () => {
      fc.assert(
        fc.property(fc.oneof(fc.anything(), fc.jsonValue()), (value) => {
          const result = validateWorkflowExecution(value);
          expect(typeof result.ok).toBe('boolean');
        }),
        { numRuns: 500 },
      );
    });

    it('never throws on WFEs with random fields replaced', () => {
      fc.assert(
        fc.property(
          validWorkflowExecution(4),
          fc.constantFrom('metadata', 'spec', 'steps', 'step', 'runAfter', 'inputs', 'timeout'),
          fc.anything(),
          (wfe, where, junk) => {
            const spec = wfe.spec as unknown as Record<string, unknown> & { steps: Record<string, unknown>[] };
            if (where === 'metadata') (wfe as Record<string, unknown>).metadata = junk;
            else if (where === 'spec') (wfe as Record<string, unknown>).spec = junk;
            else if (where === 'steps') spec.steps = junk as never;
            else if (where === 'step') spec.steps[0] = junk as never;
            else if (where === 'timeout') spec.timeout = junk;
            else spec.steps[0][where] = junk;
            expect(() => validateWorkflowExecution(wfe)).not.toThrow();
          },
        ),
        { numRuns: 300 },
      );
    });

    it('accepts every generated valid WFE', () => {
      fc.assert(
        fc.property(validWorkflowExecution(), (wfe) => {
          expect(errorsOf(wfe)).toEqual([]);
        }),
      );
    });

    it('rejects any cycle, naming a real cycle', () => {
      fc.assert(
        fc.property(
          validWorkflowExecution(8).filter((w) => w.spec.steps.length >= 2),
          fc.integer({ min: 2, max: 8 }),
          fc.nat(),
          (wfe, wanted, seed) => {
            const steps = wfe.spec.steps;
            const length = Math.min(wanted, steps.length);
            const chosen = Array.from({ length }, (_, i) => (seed + i) % steps.length);
            // chosen[0] waits for chosen[1] … waits for chosen[0]: a cycle whatever the DAG was.
            chosen.forEach((index, i) => {
              const next = steps[chosen[(i + 1) % length]].name;
              if (!steps[index].runAfter.includes(next)) steps[index].runAfter.push(next);
            });
            const errors = errorsOf(wfe).filter((e) => e.message.includes('cycle'));
            expect(errors.length).toBeGreaterThan(0);
            const byName = new Map(steps.map((s) => [s.name, s]));
            for (const error of errors) {
              const names = error.message.split(': ')[1].split(' (')[0].split(' → ');
              expect(names[0]).toBe(names[names.length - 1]);
              for (let i = 0; i + 1 < names.length; i++) expect(byName.get(names[i])!.runAfter).toContain(names[i + 1]);
            }
          },
        ),
      );
    });

    it('rejects any unknown runAfter reference, naming it at its path', () => {
      fc.assert(
        fc.property(validWorkflowExecution(6), fc.nat(), (wfe, seed) => {
          const steps = wfe.spec.steps;
          const index = seed % steps.length;
          const ghost = `ghost-${steps.map((s) => s.name).join('').length}`.slice(0, 63);
          fc.pre(!steps.some((s) => s.name === ghost));
          steps[index].runAfter.push(ghost);
          expect(errorsOf(wfe)).toContainEqual({
            path: `spec.steps[${index}].runAfter[${steps[index].runAfter.length - 1}]`,
            message: expect.stringContaining(`runAfter names "${ghost}"`),
          });
        }),
      );
    });
  });
});

describe('formatPath', () => {
  it('writes JSON paths the way people read them', () => {
    expect(formatPath(['spec', 'steps', 2, 'runAfter', 0])).toBe('spec.steps[2].runAfter[0]');
    expect(formatPath(['spec', 'steps', 0, 'inputs', 'a.b'])).toBe('spec.steps[0].inputs["a.b"]');
    expect(formatPath([])).toBe('');
  });
});
