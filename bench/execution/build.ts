/**
 * The processes a bench measures (the worker and the watcher, the Data Storage API) as they ship: `npm run
 * build` (TypeScript to `dist/`, and the prebuilt workflow bundle the worker loads instead of running webpack
 * at start), run once per bench.
 */
import { spawnSync } from 'node:child_process';
import { REPO } from './child-process';

export const BUILT = { worker: 'dist/workers/main.js', watcher: 'dist/watcher/main.js' } as const;

export function buildProject(log: (line: string) => void): void {
  const started = Date.now();
  log('npm run build (what the bench runs runs from dist/, as it ships)');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
