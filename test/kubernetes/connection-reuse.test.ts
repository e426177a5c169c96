/**
 * Every process's KubeConfig (loadKubeConfig) keeps its connections to the API server: consecutive requests
 * go over one TLS connection instead of a handshake each, which costs the caller and the API server more CPU
 * than the request itself. Counted as the TLS connections Node's https agents open (`tls.connect`, watched,
 * not replaced), against the stack's real API server.
 */
import tls from 'node:tls';
import * as k8s from '@kubernetes/client-node';
import { withConnectionReuse } from '../../src/kubernetes/connection-reuse';
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import { getStackInfo } from '../support/stack';

jest.setTimeout(30_000);

const REQUESTS = 5;

/** TLS connections opened while `work` runs. */
async function socketsOpenedBy(work: () => Promise<void>): Promise<number> {
  const connect = jest.spyOn(tls, 'connect');
  try {
    await work();
    return connect.mock.calls.length;
  } finally {
    connect.mockRestore();
  }
}

/** `REQUESTS` reads one after the other, each waiting for its answer (as the worker's activities do). */
function readsWith(kc: k8s.KubeConfig): () => Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return async () => {
    for (let i = 0; i < REQUESTS; i++) await core.readNamespace({ name: 'default' });
  };
}

describe('Kubernetes connection reuse', () => {
  const kubeconfigPath = () => getStackInfo().kube.kubeconfigPath;

  it("loadKubeConfig's requests share one connection", async () => {
    expect(await socketsOpenedBy(readsWith(loadKubeConfig(kubeconfigPath())))).toBe(1);
  });

  it('the library alone opens a connection per request (what the reuse saves)', async () => {
    const plain = new k8s.KubeConfig();
    plain.loadFromFile(kubeconfigPath());
    expect(await socketsOpenedBy(readsWith(plain))).toBe(REQUESTS);
  });

  it('is idempotent: a KubeConfig wrapped twice still has one pool', async () => {
    const kc = withConnectionReuse(loadKubeConfig(kubeconfigPath()));
    expect(await socketsOpenedBy(readsWith(kc))).toBe(1);
  });
});
