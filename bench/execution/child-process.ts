/**
 * An entry point of the project run as a child process: a built one (`dist/…js`, as it ships) with plain
 * node, a TypeScript one with tsx's require hook (tsx's CLI would fork a second process, and the pid we
 * measure or signal would not be the one doing the work). Output is kept in a ring buffer for error
 * messages, not printed: the bench's stdout carries only its JSON report.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
const TSX_HOOK = path.join(REPO, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');

/**
 * The bench's own OTEL_* variables, for the worker and the watcher it starts: `OTEL_EXPORTER_OTLP_ENDPOINT=…
 * npm run bench:execution …` measures them with tracing on (README "Tracing").
 */
export function openTelemetryEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('OTEL_') && e[1] !== undefined),
  );
}

export interface ChildProcessHandle {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Resolves at the first output line matching `pattern`; rejects if the process exits first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  output(): string;
  /** With `ipc`: sends `message` over the process's IPC channel and resolves with its next message. */
  ask<T>(message: unknown, timeoutMs?: number): Promise<T>;
}

export function spawnEntry(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  what = path.basename(entry),
  /** Also append every output line to this file (kept after the bench, for a look at what happened). */
  logFile?: string,
  /** Open an IPC channel to the process (for `ask`). */
  ipc = false,
): ChildProcessHandle {
  const hook = entry.endsWith('.ts') ? ['--require', TSX_HOOK] : [];
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each process (node refuses --cpu-prof in NODE_OPTIONS).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, ...hook, path.join(REPO, entry), ...args], {
    cwd: REPO,
    env,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${what}`);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines: string[] = [];
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts.filter(Boolean)) {
        lines.push(line);
        log?.write(line + '\n');
        if (lines.length > 200) lines.shift();
        for (const listener of listeners) listener(line);
      }
    });
  }
  const alive = () => child.exitCode === null && child.signalCode === null;
  const ask = <T>(message: unknown, timeoutMs = 10_000) =>
    new Promise<T>((resolve, reject) => {
      if (!ipc || !child.connected) {
        reject(new Error(`${what} has no IPC channel open`));
        return;
      }
      const onAnswer = (answer: unknown) => {
        clearTimeout(timer);
        resolve(answer as T);
      };
      // The listener goes with its question: none piles up after a timeout.
      const timer = setTimeout(() => {
        child.off('message', onAnswer);
        reject(new Error(`${what} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      child.once('message', onAnswer);
      child.send(message as object);
    });
  const output = () => lines.slice(-30).join('\n');
  return {
    pid: child.pid,
    exited,
    alive,
    output,
    ask,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (err?: Error) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (err) reject(err);
          else resolve();
        };
        const listener = (line: string) => pattern.test(line) && done();
        const timer = setTimeout(
          () => done(new Error(`${what} not ready after ${timeoutMs} ms:\n${output()}`)),
          timeoutMs,
        );
        listeners.add(listener);
        if (lines.some((l) => pattern.test(l))) done();
        void exited.then(({ code, signal }) => done(new Error(`${what} exited (${signal ?? code}):\n${output()}`)));
      });
    },
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export { cpuTimeMs, residentMemoryMb } from '../../src/stack/process-usage';
