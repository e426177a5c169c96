/**
 * A Temporal dev server of one test's own, with a persistent db file, that the test may kill and start again
 * on the same ports: the shared stack's server is used by other test files at the same time and must never be
 * restarted by one of them. Same binary and search attributes as the stack's (src/stack/temporal-server.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../../../src/stack/free-port';
import { devServerDynamicConfigFlags, devServerStorageFlags } from '../../../src/stack/temporal-server';
import { ensureTools } from '../../../src/stack/tools';
import { searchAttributeFlags } from '../../../src/temporal-client/search-attribute-registration';
import { eventually } from '../../support/stack';

export interface DedicatedTemporal {
  address: string;
  /** The running server's pid (changes with every start). */
  pid(): number | undefined;
  /** Starts the server (again) on the same ports with the same db file; resolves once it serves `default`. */
  start(): Promise<void>;
  /** Sends `signal` and waits until the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the server and deletes its db directory. */
  destroy(): Promise<void>;
  output(): string;
}

export async function createDedicatedTemporal(opts: { readyTimeoutMs?: number } = {}): Promise<DedicatedTemporal> {
  const binary = ensureTools(() => undefined).temporal;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernaut-temporal-'));
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip=127.0.0.1',
    `--port=${port}`,
    `--http-port=${httpPort}`,
    `--metrics-port=${metricsPort}`,
    `--db-filename=${path.join(dir, 'temporal.db')}`,
    ...devServerStorageFlags(),
    ...devServerDynamicConfigFlags(),
    '--log-level=warn',
    ...searchAttributeFlags(),
  ];
  const lines: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const server: DedicatedTemporal = {
    address,
    pid: () => child?.pid,
    async start() {
      if (child) throw new Error('the dedicated Temporal server is already running');
      const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      for (const stream of [started.stdout!, started.stderr!]) {
        stream.on('data', (chunk: Buffer) => {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          if (lines.length > 200) lines.splice(0, lines.length - 200);
        });
      }
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      void exited.then(() => {
        if (child === started) child = undefined;
      });
      await eventually(
        `the dedicated Temporal server on ${address}`,
        async () => {
          if (child !== started) throw new Error(`it exited:\n${server.output()}`);
          const connection = await Connection.connect({ address, connectTimeout: 2_000 });
          try {
            await connection.workflowService.describeNamespace({ namespace: 'default' });
            return true;
          } finally {
            await connection.close();
          }
        },
        opts.readyTimeoutMs ?? 90_000,
        250,
      );
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      child?.kill(signal);
      await exited;
    },
    async destroy() {
      await server.stop('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    output: () => lines.slice(-40).join('\n'),
  };
  return server;
}
