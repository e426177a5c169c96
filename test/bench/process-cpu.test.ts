/**
 * The bench's CPU figures per process: a server that works through processes it forks (PostgreSQL's backends)
 * is measured as its whole tree, including descendants that already exited — a reading of the parent alone
 * would report nearly nothing (the bench's `postgres` figure once did).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpuSnapshot } from '../../bench/execution/cpu-usage';
import { cpuTimeMs, processTree, treeCpuTimeMs } from '../../src/stack/process-usage';
import { eventually } from '../support/stack';

/** A node process that forks one child per line it reads ("burn <ms>": busy until it used that much CPU), and reports each child's exit. */
const FORKER = `
const { spawn } = require('node:child_process');
process.stdin.setEncoding('utf8');
let buffer = '';
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  for (let i = buffer.indexOf('\\n'); i >= 0; i = buffer.indexOf('\\n')) {
    const ms = Number(buffer.slice(0, i).split(' ')[1]);
    buffer = buffer.slice(i + 1);
    const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < ' + ms * 1000 + ') {}'], { stdio: 'ignore' });
    child.on('exit', () => process.stdout.write('exited\\n'));
  }
});
process.stdout.write('ready\\n');
`;

function startForker(): Promise<{ child: ChildProcess; exits: () => number }> {
  const child = spawn(process.execPath, ['-e', FORKER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exits = () => out.split('\n').filter((l) => l === 'exited').length;
  return eventually('the forking process', async () => out.includes('ready') || undefined, 10_000, 20).then(() => ({
    child,
    exits,
  }));
}

/** SIGKILL to `pid` and its descendants (a busy child must not outlive the test). */
function killTree(pid: number): void {
  for (const p of processTree(pid).reverse()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

describe('CPU of a process tree', () => {
  let forker: { child: ChildProcess; exits: () => number } | undefined;
  afterEach(() => {
    if (forker?.child.pid) killTree(forker.child.pid);
    forker = undefined;
  });

  it('counts the work of descendants that exited, which the parent alone does not show', async () => {
    forker = await startForker();
    const pid = forker.child.pid!;
    const before = { parent: cpuTimeMs(pid)!, tree: treeCpuTimeMs(pid)! };
    const snapshotBefore = cpuSnapshot({ alone: pid, tree: { tree: pid } });

    forker.child.stdin!.write('burn 300\nburn 300\n');
    await eventually('both busy children to exit', async () => forker!.exits() === 2 || undefined, 20_000, 20);

    const parent = cpuTimeMs(pid)! - before.parent;
    const tree = treeCpuTimeMs(pid)! - before.tree;
    const snapshotAfter = cpuSnapshot({ alone: pid, tree: { tree: pid } });
    // Two children that each used 300 ms of CPU (whatever the machine's load) before they exited.
    expect(tree).toBeGreaterThanOrEqual(550);
    expect(tree - parent).toBeGreaterThanOrEqual(550);
    expect(snapshotAfter.tree! - snapshotBefore.tree!).toBeGreaterThanOrEqual(550);
    expect(snapshotAfter.alone! - snapshotBefore.alone!).toBeLessThan(100);
  });

  it('counts a live descendant too, and nothing for a process that is gone', async () => {
    forker = await startForker();
    const pid = forker.child.pid!;
    const before = treeCpuTimeMs(pid)!;
    forker.child.stdin!.write('burn 60000\n');
    // The busy child is still running: its CPU shows in the tree while it lives.
    await eventually(
      'the live child to show in the tree',
      async () => treeCpuTimeMs(pid)! - before >= 200 || undefined,
      20_000,
      20,
    );
    const exited = new Promise((resolve) => forker!.child.once('exit', resolve));
    killTree(pid);
    await exited;
    expect(treeCpuTimeMs(pid)).toBeUndefined();
    expect(cpuSnapshot({ gone: pid, gone_tree: { tree: pid } })).toEqual({});
  });
});
