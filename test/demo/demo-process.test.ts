/**
 * `npm run demo` as a user runs it, on the test run's stack (shared, as the demo shares any running stack):
 * without a terminal it shows everything, stops the worker and watcher it started and exits — 0 only when
 * its scenario's expectations held. Real Tekton runs the DAG; KWOK's node runs the steps' pods.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { componentHttpPorts } from '../../src/demo/components';
import { FAILING_STEP } from '../../src/demo/scenario';
import { loadStackConfig } from '../../src/stack/config';
import { REPO_ROOT } from '../deploy/support/source-program';

jest.setTimeout(300_000);

/** Runs the demo's entry point with `args`; resolves with its exit code and everything it printed. */
function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), path.join(REPO_ROOT, 'src/demo/main.ts'), ...args],
      { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 280_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The lines under a `== heading` of the demo's report, up to the next heading. */
function section(output: string, heading: string): string[] {
  // eslint-disable-next-line no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`== ${heading}`));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('== '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('npm run demo', () => {
  it('runs the 3-step DAG to Completed on Tekton, shows its TaskRuns and KWOK pods, and stops what it started', async () => {
    const { code, output } = await runDemo(['--step-duration-ms', '300', '--stabilization-ms', '1000']);
    expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    expect(output).toContain('Demo expectations held');
    expect(section(output, 'Final WorkflowExecution status')[0]).toMatch(/phase:\s+Completed/);
    const tekton = section(output, "Tekton's TaskRuns and their pods");
    const pods = tekton.findIndex((l) => l.trim().startsWith('POD'));
    const taskRuns = tekton.slice(1, pods);
    expect(taskRuns.filter((l) => /\sTrue\s+Succeeded\s*$/.test(l))).toHaveLength(3);
    expect(tekton.slice(pods + 1).filter((l) => /\sSucceeded\s+kwok-node-0\s*$/.test(l))).toHaveLength(3);
    expect(section(output, 'Trace (OpenTelemetry)').join('\n')).toMatch(/RunWorkflow:workflowExecutionWorkflow/);
    // Without a terminal it stopped its worker and watcher: their endpoints are gone.
    const ports = componentHttpPorts(loadStackConfig());
    for (const port of [ports.worker, ports.watcher]) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  });

  it('shows the failed step, its exit code and the skipped one with --scenario failure, and still exits 0', async () => {
    const { code, output } = await runDemo([
      '--scenario',
      'failure',
      '--step-duration-ms',
      '300',
      '--stabilization-ms',
      '1000',
    ]);
    expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    expect(output).toContain('Demo expectations held');
    const status = section(output, 'Final WorkflowExecution status').join('\n');
    expect(status).toMatch(/phase:\s+Failed/);
    expect(status).toContain(`failure:      TaskFailed in step ${FAILING_STEP} (exit code 2)`);
    expect(section(output, 'Action records (PostgreSQL)').join('\n')).toMatch(/\bskipped\b/);
  });
});
