/**
 * What workflow code brings into the workflow bundle (`npm run build` writes it to dist/workflow-bundle.js
 * with the same call). With the SDK's reusable V8 context, the worker's default, the bundle's modules are
 * loaded again for every cached workflow, so each package the bundle holds costs its memory once per
 * workflow in the cache. Workflow code must reach no package but the Temporal SDK's workflow side: zod
 * (more than half of the bundle's code when the effectiveness monitor validated with it) stays in the
 * `*-schema.ts` modules, and workflow code checks payloads with src/domain/payload-checks.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const REPO_ROOT = path.join(__dirname, '..', '..');
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };

/** The modules of a bundle by id (`./node_modules/zod/index.cjs`): webpack writes `/***\/ "<id>"` before each. */
function bundledModules(code: string): string[] {
  return [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((m) => m[1]!);
}

/** The package a module id is in (`zod`, `@temporalio/common`), or undefined for the project's own code. */
function packageOf(id: string): string | undefined {
  return /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id)?.[1];
}

function dependenciesOf(name: string, from: string): { dir: string; dependencies: string[] } {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(manifest)) {
      const { dependencies = {} } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      return { dir: path.dirname(manifest), dependencies: Object.keys(dependencies) };
    }
    if (dir === path.dirname(dir)) throw new Error(`${name} is not installed (looked up from ${from})`);
  }
}

/** @temporalio/workflow and everything it depends on, as installed. */
function workflowSdk(): Set<string> {
  const found = new Set<string>();
  const visit = (name: string, from: string) => {
    if (found.has(name)) return;
    found.add(name);
    const { dir, dependencies } = dependenciesOf(name, from);
    for (const dependency of dependencies) visit(dependency, dir);
  };
  visit('@temporalio/workflow', REPO_ROOT);
  return found;
}

describe('the workflow bundle', () => {
  let modules: string[];
  let packages: string[];
  beforeAll(async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: silent,
    });
    modules = bundledModules(code);
    packages = [...new Set(modules.map(packageOf).filter((p) => p !== undefined))].sort();
  }, 120_000);

  it('is read module by module (the workflows entry point is among them)', () => {
    expect(modules).toContain('./src/workflows/index.ts');
  });

  it('holds no zod: workflow code checks payloads without it', () => {
    expect(modules.filter((id) => packageOf(id) === 'zod')).toEqual([]);
  });

  it('holds no package but the Temporal SDK and what the SDK depends on', () => {
    // The project's own dependencies count as ours even where the SDK shares them (protobufjs): workflow
    // code importing one would go unnoticed otherwise.
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const ours = Object.keys(manifest.dependencies).filter(
      (p) => p !== '@temporalio/workflow' && p !== '@temporalio/common',
    );
    const allowed = [...workflowSdk()].filter((p) => !ours.includes(p));
    expect(packages.filter((p) => !allowed.includes(p))).toEqual([]);
  });
});
