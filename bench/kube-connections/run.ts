/**
 * bench:kube-connections — what a TLS handshake per request costs, the caller and the API server.
 *
 *     npm run bench:kube-connections -- [--requests 300] [--rounds 3]
 *
 * `@kubernetes/client-node` 1.4 builds a new https agent for every request, so a plain KubeConfig opens a TCP
 * and TLS connection per call; `loadKubeConfig` (src/kubernetes/kube-config.ts) keeps them
 * (connection-reuse.ts). Against the local stack's API server (started when it is not running, shared
 * otherwise), each round reads one namespace `--requests` times in a row, once with each KubeConfig, and counts
 * the CPU this process used (`process.cpuUsage`) and the API server's and etcd's (`/proc/<pid>/stat`). Prints
 * one JSON object: per mode, the CPU per request of each, median of the rounds and each round. The API server's
 * and etcd's figures include their background work (leases, bookmarks), shared by the requests, and whatever
 * else uses the stack meanwhile: run it on a quiet stack.
 */
import * as k8s from '@kubernetes/client-node';
import { Command } from 'commander';
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import { runningPid } from '../../src/stack/processes';
import { cpuTimeMs } from '../../src/stack/process-usage';
import { stackLayout } from '../../src/stack/layout';
import { summarize } from '../datastorage/latency';
import { acquireStack } from '../execution/environment';

interface Options {
  requests: number;
  rounds: number;
}

interface RoundFigures {
  callerMs: number;
  apiserverMs: number;
  etcdMs: number;
}

const log = (line: string) => process.stderr.write(`[bench:kube-connections] ${line}\n`);
const round2 = (n: number) => Math.round(n * 100) / 100;
/** The rounds' median (nearest rank). */
const median = (xs: number[]) => summarize(xs).p50;

function parseOptions(argv: string[]): Options {
  const int = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${v}`);
    return n;
  };
  return new Command('bench:kube-connections')
    .option('--requests <n>', 'reads per mode and round', int, 300)
    .option('--rounds <n>', 'rounds (each measures both modes)', int, 3)
    .parse(argv)
    .opts<Options>();
}

/** `requests` reads one after the other, each waiting for its answer; CPU per request of each party. */
async function measure(kc: k8s.KubeConfig, requests: number, pids: { apiserver: number; etcd: number }) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (let i = 0; i < 20; i++) await core.readNamespace({ name: 'default' }); // warm: code paths, first connection
  const apiserverBefore = cpuTimeMs(pids.apiserver)!;
  const etcdBefore = cpuTimeMs(pids.etcd)!;
  const callerBefore = process.cpuUsage();
  for (let i = 0; i < requests; i++) await core.readNamespace({ name: 'default' });
  const caller = process.cpuUsage(callerBefore);
  return {
    callerMs: round2((caller.user + caller.system) / 1000 / requests),
    apiserverMs: round2((cpuTimeMs(pids.apiserver)! - apiserverBefore) / requests),
    etcdMs: round2((cpuTimeMs(pids.etcd)! - etcdBefore) / requests),
  };
}

function summary(rounds: RoundFigures[]) {
  return {
    callerCpuMsPerRequest: median(rounds.map((r) => r.callerMs)),
    apiserverCpuMsPerRequest: median(rounds.map((r) => r.apiserverMs)),
    etcdCpuMsPerRequest: median(rounds.map((r) => r.etcdMs)),
    rounds,
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  const stack = await acquireStack(log);
  try {
    const layoutPids = stackLayout().pids;
    const apiserver = runningPid(layoutPids, 'kube-apiserver');
    const etcd = runningPid(layoutPids, 'etcd');
    if (apiserver === undefined || etcd === undefined) throw new Error('the stack has no running API server/etcd');
    const kubeconfigPath = stack.info.kube.kubeconfigPath;
    const handshakeEach: RoundFigures[] = [];
    const kept: RoundFigures[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const plain = new k8s.KubeConfig(); // the library as it is: an agent, hence a connection, per request
      plain.loadFromFile(kubeconfigPath);
      handshakeEach.push(await measure(plain, o.requests, { apiserver, etcd }));
      kept.push(await measure(loadKubeConfig(kubeconfigPath), o.requests, { apiserver, etcd }));
      log(`round ${r + 1}/${o.rounds} done`);
    }
    const a = summary(handshakeEach);
    const b = summary(kept);
    process.stdout.write(
      JSON.stringify(
        {
          bench: 'kube-connections',
          requests: o.requests,
          handshakePerRequest: a,
          keptConnections: b,
          savedPerRequestMs: {
            caller: round2(a.callerCpuMsPerRequest - b.callerCpuMsPerRequest),
            apiserver: round2(a.apiserverCpuMsPerRequest - b.apiserverCpuMsPerRequest),
          },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await stack.release();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
