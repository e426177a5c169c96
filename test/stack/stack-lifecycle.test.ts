/**
 * The local stack's own lifecycle, on a second stack with its own state directory and ports (the test run's
 * stack keeps serving the other test files): up, usable by kubectl and a browser, killed with SIGKILL and
 * brought up again from its stale pid files, and down leaving no process behind.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadStackConfig } from '../../src/stack/config';
import { stackLayout } from '../../src/stack/layout';
import { runningPid } from '../../src/stack/processes';
import { DAEMONS, stackDown, stackStatus, stackUp } from '../../src/stack/stack';

jest.setTimeout(240_000);

function processesUsing(dir: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const zombie = / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ \(.*\)/, ''));
        return cmd.includes(dir) && !zombie ? [`${pid} ${cmd}`] : [];
      } catch {
        return [];
      }
    });
}

describe('local stack lifecycle', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernaut-stack-'));
  const layout = stackLayout(dir);
  // Ports of a second stack, away from the test run's.
  const config = loadStackConfig({
    KUBERNAUT_STACK_TEMPORAL_PORT: '27433',
    KUBERNAUT_STACK_TEMPORAL_UI_PORT: '28433',
    KUBERNAUT_STACK_ETCD_PORT: '22479',
    KUBERNAUT_STACK_ETCD_PEER_PORT: '22480',
    KUBERNAUT_STACK_APISERVER_PORT: '26543',
    KUBERNAUT_STACK_POSTGRES_PORT: '25532',
    KUBERNAUT_STACK_TEKTON_PORT: '26550',
    KUBERNAUT_STACK_REGISTRY_PORT: '25050',
  });
  const quiet = () => undefined;

  afterAll(async () => {
    await stackDown({ layout, log: quiet });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('comes up usable, recovers from SIGKILL of every server, and goes down without leftovers', async () => {
    const info = await stackUp({ layout, config, log: quiet });
    const kubectl = () => {
      const r = spawnSync(
        info.kube.kubectl,
        ['--kubeconfig', info.kube.kubeconfigPath, 'get', 'workflowexecutions,pipelineruns', '-A'],
        {
          encoding: 'utf8',
        },
      );
      return `exit ${r.status}: ${r.stdout}${r.stderr}`;
    };
    expect(kubectl()).toMatch(/^exit 0: (No resources found|NAMESPACE)/);
    expect((await fetch(info.temporal.uiUrl)).status).toBe(200);
    // Its Prometheus metrics (bench:execution reads Temporal's request counters there).
    expect(await (await fetch(info.temporal.metricsUrl)).text()).toMatch(/^service_requests\{/m);

    // SIGKILL: pid files and the PostgreSQL pid file are left behind, stale.
    for (const name of DAEMONS) process.kill(runningPid(layout.pids, name)!, 'SIGKILL');
    const postmaster = Number(fs.readFileSync(path.join(layout.postgresData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500)); // let the kernel reap the killed servers' sockets
    expect(Object.values(stackStatus(layout).running).some(Boolean)).toBe(false);

    const again = await stackUp({ layout, config, log: quiet });
    expect(Object.values(stackStatus(layout).running).every(Boolean)).toBe(true);
    expect(kubectl()).toMatch(/^exit 0: (No resources found|NAMESPACE)/);
    expect(again.kube.kubeconfigPath).toBe(info.kube.kubeconfigPath);

    await stackDown({ layout, log: quiet });
    expect(processesUsing(dir)).toEqual([]);
  });
});
