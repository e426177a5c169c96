import { demoEnding, type DemoEndingInput } from '../../src/demo/ending';

const base: DemoEndingInput = {
  keep: false,
  interactive: false,
  stopsStack: true,
  kubectl: '/cache/tools/kubectl-v1.34.4/kubectl',
  kubeconfig: '/s/kubeconfig',
  actionImage: '127.0.0.1:15050/kubernaut/actions/kubectl@sha256:' + 'a'.repeat(64),
  namespace: 'demo',
  uiUrl: 'http://127.0.0.1:18233',
  query: 'KubernautWorkflowExecution="demo/dag-1"',
  databaseUrl: 'postgres://postgres@127.0.0.1:15432/kubernaut',
};

describe('how the demo ends', () => {
  it('with --keep, exits leaving everything running and says how to stop it', () => {
    const ending = demoEnding({ ...base, keep: true, interactive: true });
    expect(ending.action).toBe('keep');
    expect(ending.lines.join('\n')).toContain('npm run stack -- down');
    // The stack's own kubectl: the commands work on a machine without one.
    expect(ending.lines).toContain(
      '    /cache/tools/kubectl-v1.34.4/kubectl --kubeconfig /s/kubeconfig get pipelineruns,taskruns,pods -n demo',
    );
    // The example as the stack can run it: the registry's image (not ghcr.io), no cooldown left on the target.
    const apply = ending.lines.find((l) => l.includes('examples/restart-pod.yaml'))!;
    expect(apply).toContain(`#${base.actionImage}#`);
    expect(apply).toContain("'/^  timeout:/a\\  cooldown: 0s'");
    expect(apply).toMatch(/\| \/cache\/tools\/kubectl-v1\.34\.4\/kubectl --kubeconfig \/s\/kubeconfig apply -f -$/);
  });

  it('in a terminal, keeps the links working until Ctrl-C', () => {
    const ending = demoEnding({ ...base, interactive: true });
    expect(ending.action).toBe('wait-for-interrupt');
    const text = ending.lines.join('\n');
    expect(text).toContain('The links above work while the stack, the worker and the watcher run');
    expect(text).toContain('Ctrl-C');
    expect(text).toContain('open http://127.0.0.1:18233');
  });

  it('without a terminal, stops at once and says plainly that the links stop working and --keep keeps them', () => {
    const ending = demoEnding(base);
    expect(ending.action).toBe('stop');
    expect(ending.lines.join('\n')).toMatch(/Web UI links above stop working[\s\S]*--keep/);
  });

  it('without a terminal on a stack others use, says the links keep working', () => {
    const ending = demoEnding({ ...base, stopsStack: false });
    expect(ending.action).toBe('stop');
    expect(ending.lines.join('\n')).toContain('links above keep working');
  });
});
