/**
 * `npm run stack -- up|down|status|install-tools`: the local stack for tests, the demo and development.
 */
import { Command } from 'commander';
import { stackLayout } from './layout';
import { withStackLock } from './lease';
import { stackDown, stackStatus, stackUp } from './stack';
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
  .description('which servers run, and the connection info')
  .action(() => {
    const status = stackStatus();
    for (const [name, up] of Object.entries(status.running)) console.log(`${up ? 'running' : 'stopped'}  ${name}`);
    if (status.info) console.log(JSON.stringify(status.info, null, 2));
    process.exitCode = Object.values(status.running).every(Boolean) ? 0 : 3;
  });

program.parseAsync(process.argv);
