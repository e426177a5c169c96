/**
 * `npm run stack -- up|down|status|install-tools`: the local stack for tests, the demo and development.
 */
import { Command } from 'commander';
import { stackLayout } from './layout';
import { withStackLock } from './lease';
import { stackDown, stackStatus, stackUp } from './stack';
import { treeUsage } from './process-usage';
import { ensureTools, MissingPrerequisiteError } from './tools';

function explain(err: unknown): never {
  if (err instanceof MissingPrerequisiteError) {
    console.error(`missing prerequisite: ${err.message}`);
  } else {
    console.error(err instanceof Error ? err.message : String(err));
  }
  process.exit(1);
}

const program = new Command('stack').description(
  'local Temporal + Kubernetes control plane (KWOK node, real Tekton) + PostgreSQL stack',
);

program
  .command('install-tools')
  .description(
    'build or install the Temporal CLI, etcd, kube-apiserver/-controller-manager/-scheduler, KWOK, Tekton and crane (cached)',
  )
  .option('--quiet', 'print nothing when everything is cached')
  .action((opts: { quiet?: boolean }) => {
    try {
      const lines: string[] = [];
      ensureTools((l) => (opts.quiet ? lines.push(l) : console.log(`[tools] ${l}`)));
      if (opts.quiet && lines.some((l) => l.includes('done in'))) lines.forEach((l) => console.log(`[tools] ${l}`));
    } catch (err) {
      explain(err);
    }
  });

program
  .command('up')
  .description('start (or reuse) every server of the stack and print how to reach them')
  .action(async () => {
    try {
      const info = await withStackLock(stackLayout().root, () => stackUp({ log: (l) => console.log(`[stack] ${l}`) }));
      console.log(`
Temporal:    ${info.temporal.address} (namespace ${info.temporal.namespace})
Web UI:      ${info.temporal.uiUrl}
Kubernetes:  ${info.kube.server} (one KWOK node; Tekton Pipelines' controller and webhook)
  kubectl --kubeconfig ${info.kube.kubeconfigPath} get workflowexecutions,pipelineruns,pods -A
  worker / watcher identities: ${info.kube.identities.worker} / ${info.kube.identities.watcher}
Registry:    ${info.registry.address} (action images: ${Object.values(info.registry.images).join(', ')})
PostgreSQL:  ${info.postgres.url}${info.postgres.embedded ? ' (embedded)' : ''}
Stop with:   npm run stack -- down`);
    } catch (err) {
      explain(err);
    }
  });

program
  .command('down')
  .description('stop everything the stack started (works after a crash too)')
  .action(async () => {
    try {
      await withStackLock(stackLayout().root, () => stackDown({ log: (l) => console.log(`[stack] ${l}`) }));
    } catch (err) {
      explain(err);
    }
  });

program
  .command('status')
  .description('which servers run (and what runs beside them), their memory and CPU, and the connection info')
  .option('--sample <seconds>', "also measure each process's CPU over this many seconds", Number)
  .action(async (opts: { sample?: number }) => {
    const status = stackStatus();
    const before = new Map(Object.entries(status.pids).map(([name, pid]) => [name, treeUsage(pid)?.cpuMs ?? 0]));
    const seconds = opts.sample && opts.sample > 0 ? opts.sample : 0;
    if (seconds) await new Promise((r) => setTimeout(r, seconds * 1000));
    let rss = 0;
    let sampled = 0;
    const names = [...new Set([...Object.keys(status.running), ...Object.keys(status.pids)])];
    for (const name of names) {
      const pid = status.pids[name];
      const usage = pid === undefined ? undefined : treeUsage(pid);
      rss += usage?.rssMb ?? 0;
      const cpu = seconds && usage ? (usage.cpuMs - (before.get(name) ?? 0)) / (seconds * 10) : undefined;
      sampled += cpu ?? 0;
      const state = status.running[name] === false ? 'stopped' : 'running';
      console.log(
        `${state.padEnd(8)} ${name.padEnd(24)}` +
          (usage
            ? ` pid ${String(pid).padEnd(8)} rss ${usage.rssMb.toFixed(0).padStart(5)} MiB` +
              ` cpu ${(usage.cpuMs / 1000).toFixed(1).padStart(7)} s` +
              (cpu !== undefined ? `  ${cpu.toFixed(1).padStart(5)} % of a core` : '')
            : ''),
      );
    }
    console.log(
      `total rss ${rss.toFixed(0)} MiB` +
        (seconds ? `; ${sampled.toFixed(1)} % of a core over ${seconds} s` : ' (--sample <seconds> for CPU use)'),
    );
    if (status.info) console.log(JSON.stringify(status.info, null, 2));
    process.exitCode = Object.values(status.running).every(Boolean) ? 0 : 3;
  });

program.parseAsync(process.argv);
