// What the image ships is what `npm run build` leaves in dist/ (the Dockerfile copies dist/ as a whole):
// it must hold the processes and the workflow bundle, and nothing of the development-only sources (the
// local stack, the Tekton simulator, the demo), which tsconfig.build.json leaves out. Runs the real build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEV_ONLY_SOURCES, shippedSources } from './support/processes';
import { REPO_ROOT } from './support/source-program';

jest.setTimeout(600_000);

const DIST = path.join(REPO_ROOT, 'dist');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [path.relative(REPO_ROOT, full)];
  });
}

/** `src/stack/` → `dist/stack/`, as tsconfig.build.json maps sources to output. */
const inDist = (source: string) => source.replace(/^src\//, 'dist/');

describe('npm run build', () => {
  let files: string[];
  beforeAll(() => {
    // From scratch: tsc never deletes stale output, which would hide what this build produces.
    fs.rmSync(DIST, { recursive: true, force: true });
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 540_000 });
    files = filesUnder(DIST);
  });

  it('compiles every process the image runs, and the workflow bundle', () => {
    const entries = shippedSources().map((source) => inDist(source).replace(/\.ts$/, '.js'));
    expect(entries.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining([...entries, 'dist/workflow-bundle.js']));
  });

  it('leaves out the development-only sources', () => {
    const devOnly = DEV_ONLY_SOURCES.map(inDist);
    expect(files.filter((f) => devOnly.some((dir) => f.startsWith(dir)))).toEqual([]);
  });

  it('has nothing in dist/ that requires them', () => {
    const requires = files
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) =>
        [...fs.readFileSync(path.join(REPO_ROOT, f), 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => ({
          file: f,
          target: path.relative(REPO_ROOT, path.resolve(path.dirname(path.join(REPO_ROOT, f)), m[1]!)),
          relative: m[1]!.startsWith('.'),
        })),
      )
      .filter((r) => r.relative && DEV_ONLY_SOURCES.map(inDist).some((dir) => `${r.target}/`.startsWith(dir)));
    expect(requires).toEqual([]);
  });
});
