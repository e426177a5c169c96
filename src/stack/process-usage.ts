/**
 * What a process costs the machine, from Linux's /proc: resident memory and CPU time, of one process or of
 * a process and its descendants (PostgreSQL's backends, tsx-less node children). Used by `stack status` and
 * the benchmarks; undefined where /proc has nothing (the process is gone, or not Linux).
 */
import fs from 'node:fs';

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** VmRSS / VmHWM in MiB. */
export function residentMemoryMb(pid: number): { rssMb: number; peakRssMb: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: round(kb('VmRSS') / 1024), peakRssMb: round(kb('VmHWM') / 1024) };
  } catch {
    return undefined;
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): state is [0], ppid [1].
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process's CPU time (ms) and that of its children it already reaped (`cutime`+`cstime`), from its stat fields. */
function cpuWithReapedChildrenMs(f: string[]): number {
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * CLOCK_TICK_MS;
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuTimeMs(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS : undefined;
}

/**
 * CPU time (user + system) of every process named `comm` on this machine, in milliseconds, including what
 * their children that already exited used (e.g. all PostgreSQL servers with their backends, past and live).
 */
export function commandCpuTimeMs(comm: string): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let name: string;
    try {
      name = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue; // gone meanwhile
    }
    if (name !== comm) continue;
    const f = statFields(Number(entry));
    if (f) total += cpuWithReapedChildrenMs(f);
  }
  return total;
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (Number.isFinite(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const visit = (p: number) => {
    tree.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return tree;
}

/**
 * CPU time (ms) of `pid` and every process below it, including what descendants that already exited used (each
 * process's reaped children's time, `cutime`+`cstime`): monotonic while processes come and go, so the difference
 * of two readings is what the whole tree used between them (PostgreSQL: the postmaster and its backends).
 */
export function treeCpuTimeMs(pid: number): number | undefined {
  let total: number | undefined;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (f) total = (total ?? 0) + cpuWithReapedChildrenMs(f);
  }
  return total;
}

/** Resident memory (MiB) and CPU time (ms) of `pid` and its descendants. */
export function treeUsage(pid: number): { rssMb: number; cpuMs: number } | undefined {
  const tree = processTree(pid).filter((p) => residentMemoryMb(p) !== undefined);
  if (tree.length === 0) return undefined;
  return {
    rssMb: round(tree.reduce((sum, p) => sum + (residentMemoryMb(p)?.rssMb ?? 0), 0)),
    cpuMs: tree.reduce((sum, p) => sum + (cpuTimeMs(p) ?? 0), 0),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
