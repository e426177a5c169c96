import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { PLACEHOLDER_UID, RenderIo, runRender } from '../../src/cli/render';

const ROOT = join(__dirname, '..', '..');

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const value: RenderIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readStdin: async () => stdin,
    readFile: (path) => readFile(join(ROOT, path), 'utf8'),
  };
  return { io: value, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('render', () => {
  it('prints the PipelineRun of the DAG example and exits 0', async () => {
    const t = io();
    expect(await runRender(['examples/dag-remediation.yaml'], t.io)).toBe(0);
    const pr = parse(t.stdout());
    expect(pr).toMatchObject({ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { namespace: 'demo' } });
    expect(pr.spec.pipelineSpec.tasks.map((task: { name: string }) => task.name)).toEqual([
      'restart-pods',
      'scale-deployment',
      'create-gitops-pr',
    ]);
    expect(t.stderr()).toContain(`assumes uid ${PLACEHOLDER_UID}`);
  });

  it('prints readable validation errors for the invalid example and exits 1', async () => {
    const t = io();
    expect(await runRender(['examples/invalid.yaml'], t.io)).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toContain('WorkflowExecution demo/invalid-remediation is invalid (2 errors)');
    expect(t.stderr()).toContain('  spec.steps[0].name: step name "Restart_Pods" must be a DNS-1123 label');
    expect(t.stderr()).toContain(
      '  spec.steps[2].runAfter[0]: steps form a cycle through runAfter: scale → verify → scale',
    );
  });

  it('reads stdin when the file is "-" or omitted', async () => {
    const text = await readFile(join(ROOT, 'examples', 'restart-pod.yaml'), 'utf8');
    for (const argv of [['-'], []]) {
      const t = io(text);
      expect(await runRender(argv, t.io)).toBe(0);
      expect(parse(t.stdout()).metadata.labels['kubernaut.ai/workflow-execution']).toBe('restart-payment-api');
    }
  });

  it('accepts JSON and prints JSON with -o json, using the given uid', async () => {
    const wfe = parse(await readFile(join(ROOT, 'examples', 'restart-pod.yaml'), 'utf8'));
    const t = io(JSON.stringify(wfe));
    expect(await runRender(['-o', 'json', '--uid', 'abc-123'], t.io)).toBe(0);
    const pr = JSON.parse(t.stdout());
    expect(pr.metadata.ownerReferences[0].uid).toBe('abc-123');
    expect(t.stderr()).toBe('');
  });

  it('applies the image policies given as options', async () => {
    const t = io();
    expect(await runRender(['examples/dag-remediation.yaml', '--allowed-registry', 'quay.io'], t.io)).toBe(1);
    expect(t.stderr()).toContain('outside the allowed registries (policy allowedRegistries: quay.io)');
    const pinned = io();
    expect(await runRender(['examples/dag-remediation.yaml', '--require-digest'], pinned.io)).toBe(0);
  });

  it('applies the ServiceAccount policy given as options', async () => {
    const refused = io();
    expect(await runRender(['examples/restart-pod.yaml', '--allowed-service-account', 'other'], refused.io)).toBe(1);
    expect(refused.stderr()).toContain(
      'spec.serviceAccountName: ServiceAccount "kubernaut-action-runner" is not one the worker lets steps run as (policy allowedServiceAccounts: other)',
    );
    const allowed = io();
    const args = ['examples/restart-pod.yaml', '--allowed-service-account', 'other'];
    expect(await runRender([...args, '--allowed-service-account', 'kubernaut-action-runner'], allowed.io)).toBe(0);
  });

  it('renders every document of a multi-document file and fails if one is invalid', async () => {
    const text = ['restart-pod.yaml', 'invalid.yaml', 'dag-remediation.yaml']
      .map((f) => readFileSync(join(ROOT, 'examples', f), 'utf8'))
      .join('\n---\n');
    const t = io(text);
    expect(await runRender([], t.io)).toBe(1);
    expect(parseAllDocuments(t.stdout())).toHaveLength(2);
    expect(t.stderr()).toContain('stdin (document 2): WorkflowExecution demo/invalid-remediation is invalid');
  });

  it('fills the namespace like kubectl when the document has none', async () => {
    const wfe = parse(await readFile(join(ROOT, 'examples', 'restart-pod.yaml'), 'utf8'));
    delete wfe.metadata.namespace;
    const t = io(JSON.stringify(wfe));
    expect(await runRender([], t.io)).toBe(0);
    expect(parse(t.stdout()).metadata.namespace).toBe('default');
  });

  it.each([
    ['a YAML syntax error', 'spec: [unclosed', 'not valid YAML or JSON'],
    ['a document that is not a WFE', '42', 'a WorkflowExecution must be an object'],
    ['an empty input', '', 'no WorkflowExecution found'],
  ])('exits 1 on %s', async (_label, stdin, message) => {
    const t = io(stdin);
    expect(await runRender([], t.io)).toBe(1);
    expect(t.stderr()).toContain(message);
  });

  it('exits 2 when the file cannot be read', async () => {
    const t = io();
    expect(await runRender(['examples/nope.yaml'], t.io)).toBe(2);
    expect(t.stderr()).toContain('cannot read examples/nope.yaml');
  });

  it('prints help and exits 0 on --help', async () => {
    const t = io();
    expect(await runRender(['--help'], t.io)).toBe(0);
    expect(t.stdout()).toContain('--require-digest');
  });

  it('is what `npm run render` runs', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      ['tsx', 'src/cli/render.ts', 'examples/restart-pod.yaml', '--uid', 'u'],
      {
        cwd: ROOT,
      },
    );
    expect(parse(stdout).kind).toBe('PipelineRun');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.render).toBe('tsx src/cli/render.ts');
  });

  it('exits 1 from the command line on the invalid example', async () => {
    await expect(
      promisify(execFile)('npx', ['tsx', 'src/cli/render.ts', 'examples/invalid.yaml'], { cwd: ROOT }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is invalid'),
    });
  });
});
