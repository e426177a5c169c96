/**
 * What workflow code brings into the workflow bundle (`npm run build` writes it to dist/workflow-bundle.js
 * with the same call). With the SDK's reusable V8 context, the worker's default, the bundle's modules are
 * loaded again for every cached workflow, so each package the bundle holds costs its memory once per
 * workflow in the cache. Workflow code must reach no package but the Temporal SDK's workflow side: zod
 * (more than half of the bundle's code when the effectiveness monitor validated with it) stays in the
 * `*-schema.ts` modules, and workflow code checks payloads with src/domain/payload-checks.ts.
 *
 * The bundle the worker runs also holds the tracing gate (src/observability/tracing-workflow-interceptors.ts)
 * and behind it Temporal's OpenTelemetry workflow interceptors with the OpenTelemetry SDK, loaded only by
 * workflows started with a trace: 64 KiB per untraced cached workflow, 62.7 without the gate; a traced one
 * loads about 240 KiB more (bench/workflow-memory). The workflows themselves still reach no other package.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import ts from 'typescript';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../../src/observability/tracing';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/workers/workflow-bundle';

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

/** A package and everything it depends on, as installed. */
function dependencyClosure(root: string): Set<string> {
  const found = new Set<string>();
  const visit = (name: string, from: string) => {
    if (found.has(name)) return;
    found.add(name);
    const { dir, dependencies } = dependenciesOf(name, from);
    for (const dependency of dependencies) visit(dependency, dir);
  };
  visit(root, REPO_ROOT);
  return found;
}

const workflowSdk = () => dependencyClosure('@temporalio/workflow');

/**
 * Which modules each bundled module requires, read off the code: webpack writes every module after its
 * `/***\/ "<id>"` line and each of its requires as `__webpack_require__(/*! … *\/ "<id>")`.
 */
function requiresByModule(code: string): Map<string, string[]> {
  const requires = (text: string) =>
    [...text.matchAll(/__webpack_require__\(\/\*![^*]*\*\/ "([^"]+)"\)/g)].map((m) => m[1]!);
  const parts = code.split(/^\/\*\*\*\/ "([^"]+)"$/m);
  const graph = new Map<string, string[]>();
  for (let i = 1; i < parts.length; i += 2) graph.set(parts[i]!, requires(parts[i + 1]!));
  return graph;
}

/** The modules the bundle's entry point preloads, and every module they require, directly or not. */
function preloadedClosure(code: string): Set<string> {
  const body = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
  const graph = requiresByModule(code);
  const found = new Set<string>();
  const visit = (id: string) => {
    if (found.has(id)) return;
    found.add(id);
    for (const required of graph.get(id) ?? []) visit(required);
  };
  for (const m of body.matchAll(/"([^"]+)"\)/g)) visit(m[1]!);
  return found;
}

interface Bundle {
  code: string;
  modules: string[];
  packages: string[];
}

/** Each distinct bundle is built once for the whole file (webpack takes seconds). */
const built = new Map<string, Promise<Bundle>>();
function bundle(workflowInterceptorModules: string[] = [], preloadModules: string[] = []): Promise<Bundle> {
  const key = JSON.stringify([workflowInterceptorModules, preloadModules]);
  if (!built.has(key)) built.set(key, buildBundle(workflowInterceptorModules, preloadModules));
  return built.get(key)!;
}

async function buildBundle(workflowInterceptorModules: string[], preloadModules: string[]): Promise<Bundle> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules,
    preloadModules,
    logger: silent,
  });
  const modules = bundledModules(code);
  return { code, modules, packages: [...new Set(modules.map(packageOf).filter((p) => p !== undefined))].sort() };
}

describe('the workflow bundle', () => {
  let modules: string[];
  let packages: string[];
  beforeAll(async () => {
    ({ modules, packages } = await bundle());
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

describe('the workflow bundle with the tracing gate (what the worker runs)', () => {
  let plain: Bundle;
  let gated: Bundle;
  beforeAll(async () => {
    plain = await bundle();
    gated = await bundle([WORKFLOW_TRACING_INTERCEPTORS]);
  }, 240_000);

  it('adds the gate and nothing else of the project', () => {
    const ours = (modules: string[]) => modules.filter((id) => packageOf(id) === undefined);
    expect(ours(gated.modules).filter((id) => !ours(plain.modules).includes(id))).toEqual([
      './src/observability/tracing-workflow-interceptors.ts',
    ]);
  });

  it('adds only Temporal’s OpenTelemetry interceptors and what they depend on', () => {
    const interceptors = dependencyClosure('@temporalio/interceptors-opentelemetry');
    const added = gated.packages.filter((p) => !plain.packages.includes(p));
    expect(added).toContain('@temporalio/interceptors-opentelemetry');
    expect(added.filter((p) => !interceptors.has(p))).toEqual([]);
  });

  it('loads them only inside a function, so a workflow started without a trace never loads them', () => {
    // Their modules cost about 240 KiB per cached workflow (bench/workflow-memory): only traced workflows pay.
    const file = path.join(REPO_ROOT, 'src/observability/tracing-workflow-interceptors.ts');
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const valueImports = source.statements.filter((s) => ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly);
    expect(valueImports.map((s) => s.getText())).toEqual([]);
    const requires: ts.CallExpression[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require')
        requires.push(node);
      ts.forEachChild(node, visit);
    };
    visit(source);
    expect(requires.length).toBe(1);
    let scope: ts.Node = requires[0]!;
    while (!ts.isFunctionLike(scope) && scope.parent) scope = scope.parent;
    expect(ts.isFunctionDeclaration(scope) && scope.name?.text).toBe('loadOpenTelemetryInterceptors');
  });
});

describe('the workflow bundle the worker runs: the domain modules shared by all workflows', () => {
  let plain: Bundle;
  let shipped: Bundle;
  beforeAll(async () => {
    plain = await bundle([WORKFLOW_TRACING_INTERCEPTORS]);
    shipped = await bundle(WORKFLOW_BUNDLE_OPTIONS.workflowInterceptorModules, WORKFLOW_BUNDLE_OPTIONS.preloadModules);
  }, 240_000);

  it('preloads every domain module workflow code reaches, so no workflow loads one for itself', () => {
    // A domain module a workflow starts to import without it being listed in SHARED_WORKFLOW_MODULES would
    // load once per cached workflow again (src/workers/workflow-bundle.ts).
    const shared = preloadedClosure(shipped.code);
    const domain = shipped.modules.filter((id) => id.startsWith('./src/domain/'));
    expect(domain.length).toBeGreaterThan(10);
    expect(domain.filter((id) => !shared.has(id))).toEqual([]);
  });

  it('shares nothing that uses the workflow APIs: those load per workflow, with its own state', () => {
    const shared = [...preloadedClosure(shipped.code)];
    expect(shared.filter((id) => id.startsWith('./src/workflows/') || packageOf(id) !== undefined)).toEqual([]);
  });

  it('preloading adds no module to the bundle', () => {
    expect([...shipped.modules].sort()).toEqual([...plain.modules].sort());
  });
});
