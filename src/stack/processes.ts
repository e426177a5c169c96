/**
 * Background servers of the local stack: started detached with their output in log files and their pid in
 * a pid file, so that `down` works from another process, after a crash, or after the starter was SIGKILLed.
 * A pid file is trusted only while that pid still runs the same executable (pids get reused).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  pidDir: string;
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

interface PidFile {
  pid: number;
  command: string;
  args: string[];
  startedAt: string;
}

function pidFilePath(pidDir: string, name: string): string {
  return path.join(pidDir, `${name}.pid`);
}

function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The pid recorded for `name` if that process is alive and still runs the recorded executable. */
export function runningPid(pidDir: string, name: string): number | undefined {
  const file = pidFilePath(pidDir, name);
  if (!fs.existsSync(file)) return undefined;
  let record: PidFile;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
  const argv = commandLine(record.pid);
  if (!argv || isZombie(record.pid)) return undefined;
  return path.basename(argv[0] ?? '') === path.basename(record.command) ? record.pid : undefined;
}

export function startDaemon(spec: DaemonSpec): number {
  fs.mkdirSync(spec.pidDir, { recursive: true });
  fs.mkdirSync(spec.logDir, { recursive: true });
  const logFile = path.join(spec.logDir, `${spec.name}.log`);
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  const record: PidFile = {
    pid: child.pid,
    command: spec.command,
    args: spec.args,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(pidFilePath(spec.pidDir, spec.name), JSON.stringify(record) + '\n');
  return child.pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/**
 * SIGTERM to the daemon's process group, SIGKILL after `graceMs`; removes the pid file.
 * Returns whether something was running.
 */
export async function stopDaemon(pidDir: string, name: string, graceMs = 10_000): Promise<boolean> {
  const pid = runningPid(pidDir, name);
  const file = pidFilePath(pidDir, name);
  if (pid === undefined) {
    fs.rmSync(file, { force: true });
    return false;
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // detached: the daemon leads its own process group
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  if (!(await waitUntilGone(pid, graceMs))) {
    signal('SIGKILL');
    await waitUntilGone(pid, 5_000);
  }
  fs.rmSync(file, { force: true });
  return true;
}

export function logFile(logDir: string, name: string): string {
  return path.join(logDir, `${name}.log`);
}

/** The last lines of a daemon's log, for error messages when it did not become healthy. */
export function logTail(logDir: string, name: string, lines = 15): string {
  try {
    return fs.readFileSync(logFile(logDir, name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
