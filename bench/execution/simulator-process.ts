/**
 * The Tekton simulator in a process of its own for `--tekton simulator`, so the CPU it spends playing Tekton
 * is measured apart from the bench's own (its watches, the launches): the figures of the system and of the
 * measuring apparatus no longer share a pid. Serves one namespace, steps complete at once unless their
 * inputs say otherwise; answers `'stats'` on its IPC channel with the simulator's counters.
 *
 *     node --require tsx/cjs bench/execution/simulator-process.ts '{"namespace":"…"}'   (KUBECONFIG set, IPC open)
 */
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import { startTektonSimulator } from '../../src/tekton-simulator/simulator';

async function main(): Promise<void> {
  const { namespace } = JSON.parse(process.argv[2] ?? '{}') as { namespace: string };
  const simulator = startTektonSimulator({
    kubeConfig: loadKubeConfig(process.env.KUBECONFIG),
    namespaces: [namespace],
    defaultStepDurationMs: 0,
  });
  process.on('message', (message) => {
    if (message === 'stats') process.send?.(simulator.stats());
  });
  await simulator.ready;
  console.log('simulator ready');
  const stop = () => void simulator.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
