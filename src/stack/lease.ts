/**
 * Coordination between processes sharing one stack directory (two `npm test` runs, a test run beside
 * `npm run demo`): a lock around starting and stopping, and a list of live users so a run stops the stack
 * it started only when nobody else still uses it. Both are plain files holding pids; entries of dead
 * processes are ignored, so a crashed run never blocks the next one.
 */
import fs from 'node:fs';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock file holding our pid; false when it already exists. */
function tryCreate(lock: string): boolean {
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot take the stack lock ${lock}`, { cause: err });
  }
}

export async function withStackLock<T>(root: string, work: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  fs.mkdirSync(root, { recursive: true });
  const lock = path.join(root, 'lock');
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (tryCreate(lock)) break;
    const holder = Number(fs.readFileSync(lock, 'utf8'));
    if (!holder || !alive(holder)) {
      fs.rmSync(lock, { force: true }); // left by a crashed process
      continue;
    }
    if (Date.now() > until) throw new Error(`the local stack is locked by process ${holder} (${lock})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function usersDir(root: string): string {
  return path.join(root, 'users');
}

export function registerStackUser(root: string, pid = process.pid): void {
  fs.mkdirSync(usersDir(root), { recursive: true });
  fs.writeFileSync(path.join(usersDir(root), String(pid)), '');
}

export function unregisterStackUser(root: string, pid = process.pid): void {
  fs.rmSync(path.join(usersDir(root), String(pid)), { force: true });
}

/** Pids of live processes registered as using the stack (stale entries are removed). */
export function liveStackUsers(root: string): number[] {
  if (!fs.existsSync(usersDir(root))) return [];
  return fs.readdirSync(usersDir(root)).flatMap((entry) => {
    const pid = Number(entry);
    if (pid && alive(pid)) return [pid];
    fs.rmSync(path.join(usersDir(root), entry), { force: true });
    return [];
  });
}
