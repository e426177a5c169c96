import { componentEnvironment, componentHttpPorts } from '../../src/demo/components';
import { loadStackConfig } from '../../src/stack/config';
import type { StackInfo } from '../../src/stack/stack';

const stackInfo = {
  temporal: { address: '127.0.0.1:27233', namespace: 'default', uiUrl: 'http://127.0.0.1:28233' },
  kube: { identities: { worker: '/s/kubeconfig-worker', watcher: '/s/kubeconfig-watcher' } },
  postgres: { url: 'postgres://postgres@127.0.0.1:25432/kubernaut' },
} as unknown as StackInfo;

describe("the demo's worker and watcher", () => {
  it('take their HTTP ports from KUBERNAUT_STACK_DEMO_PORT, moving with the other stack ports', () => {
    expect(componentHttpPorts(loadStackConfig({}))).toEqual({ worker: 19464, watcher: 19465, workerSdkMetrics: 19466 });
    expect(componentHttpPorts(loadStackConfig({ KUBERNAUT_STACK_DEMO_PORT: '29464' }))).toEqual({
      worker: 29464,
      watcher: 29465,
      workerSdkMetrics: 29466,
    });
  });

  it('names the variable of a bad port', () => {
    expect(() => loadStackConfig({ KUBERNAUT_STACK_DEMO_PORT: '80' })).toThrow(/KUBERNAUT_STACK_DEMO_PORT/);
  });

  it('are configured like Deployments: their ports, the demo namespaces only, one stabilization window', () => {
    const settings = {
      stackInfo,
      temporalNamespace: 'kubernaut-demo',
      namespace: 'demo',
      stabilizationMs: 5_000,
      ports: componentHttpPorts(loadStackConfig({ KUBERNAUT_STACK_DEMO_PORT: '29464' })),
    };
    expect(componentEnvironment('worker', settings)).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:27233',
      TEMPORAL_NAMESPACE: 'kubernaut-demo',
      KUBECONFIG: '/s/kubeconfig-worker',
      KUBERNAUT_WATCH_NAMESPACES: 'demo',
      KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: '5000',
      KUBERNAUT_HTTP_PORT: '29464',
      KUBERNAUT_SDK_METRICS_PORT: '29466',
    });
    expect(componentEnvironment('watcher', settings)).toMatchObject({
      TEMPORAL_NAMESPACE: 'kubernaut-demo',
      KUBECONFIG: '/s/kubeconfig-watcher',
      KUBERNAUT_WATCH_NAMESPACES: 'demo',
      KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: '5000',
      KUBERNAUT_HTTP_PORT: '29465',
    });
  });
});
