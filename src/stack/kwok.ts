/**
 * KWOK as the kubelet of one fake node: the scheduler binds pods to it and KWOK plays their lifecycle by
 * the stages of kwok-stages.ts. No container ever runs, so pods cost the machine nothing but API writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { StackConfig } from './config';
import { kwokStages } from './kwok-stages';
import type { StackLayout } from './layout';
import { logTail, runningPid, startDaemon, stopDaemon } from './processes';
import { waitFor } from './readiness';

export const KWOK_NODE = 'kwok-node-0';

/** Room for every test's pods at once; no pod of this project requests resources. */
const NODE_CAPACITY = { cpu: '64', memory: '256Gi', pods: '1000' };

export async function startKwok(
  kwok: string,
  kubeconfig: k8s.KubeConfig,
  kubeconfigFile: string,
  config: StackConfig,
  layout: StackLayout,
): Promise<void> {
  const stagesFile = path.join(layout.root, 'kwok-stages.yaml');
  const stages = kwokStages({ defaultStepDurationMs: config.defaultStepDurationMs })
    .map((s) => YAML.stringify(s))
    .join('---\n');
  const previous = fs.existsSync(stagesFile) ? fs.readFileSync(stagesFile, 'utf8') : undefined;
  fs.writeFileSync(stagesFile, stages);
  // KWOK reads its stages at start: a running one with other stages (another checkout, another default
  // step duration) is restarted.
  if (previous !== stages) await stopDaemon(layout.pids, 'kwok');
  if (runningPid(layout.pids, 'kwok') === undefined) {
    startDaemon({
      name: 'kwok',
      command: kwok,
      args: [
        `--kubeconfig=${kubeconfigFile}`,
        `--config=${stagesFile}`,
        '--manage-all-nodes=true',
        '--node-ip=10.0.0.1',
        '--cidr=10.0.0.0/16',
        '--node-lease-duration-seconds=0',
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
  await ensureNode(core);
  await waitFor(
    `KWOK node ${KWOK_NODE} Ready`,
    async () => {
      const node = await core.readNode({ name: KWOK_NODE });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    },
    { timeoutMs: config.startTimeoutMs, onTimeout: () => logTail(layout.logs, 'kwok') },
  );
  await untaintReadyNode(core);
}

/**
 * Admission gives a new Node the `node.kubernetes.io/not-ready` taint; the controller-manager's node
 * lifecycle controller lifts it once the node is Ready. That controller also evicts pods of nodes whose
 * kubelet stops renewing its lease, which a fake node has no reason to do — so it does not run here, and the
 * stack lifts the taint itself, once, as that controller would.
 */
async function untaintReadyNode(core: k8s.CoreV1Api): Promise<void> {
  const node = await core.readNode({ name: KWOK_NODE });
  const taints = node.spec?.taints ?? [];
  const kept = taints.filter((t) => t.key !== 'node.kubernetes.io/not-ready');
  if (kept.length === taints.length) return;
  await core.patchNode(
    { name: KWOK_NODE, body: { spec: { taints: kept.length ? kept : null } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

async function ensureNode(core: k8s.CoreV1Api): Promise<void> {
  try {
    await core.createNode({
      body: {
        metadata: {
          name: KWOK_NODE,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/hostname': KWOK_NODE,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            type: 'kwok',
          },
        },
        status: { capacity: NODE_CAPACITY, allocatable: NODE_CAPACITY },
      },
    });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}
