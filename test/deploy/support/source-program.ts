/**
 * The project's sources as a TypeScript program, for static checks of what the shipped processes do:
 * which modules they load (runtime dependencies) and which Kubernetes API calls they make (RBAC).
 *
 * Only @kubernetes/client-node's declarations are loaded from node_modules (the analyses need its classes
 * to recognise API clients); every other package is an empty module, which keeps the program small and
 * makes its types `any` (nothing here depends on them). Type errors are irrelevant: `tsc` checks those.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  strict: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
};

const isKeptLibrary = (file: string) =>
  !file.includes('/node_modules/') ||
  file.includes('/node_modules/@kubernetes/client-node/') ||
  file.includes('/node_modules/typescript/lib/');

/**
 * Parsed library declarations, shared by every program of a test file (as TypeScript's language service
 * shares them between projects): client-node's 800 declaration files are parsed once, not per program.
 */
const libraryFiles = new Map<string, ts.SourceFile>();

/**
 * A program rooted at `entries` (absolute paths). `virtualFiles` (absolute path → text) are served from
 * memory, so tests can analyse small made-up sources next to the real node_modules.
 */
export function createSourceProgram(entries: string[], virtualFiles = new Map<string, string>()): ts.Program {
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  const directoryExists = host.directoryExists?.bind(host);
  const virtualDirectories = new Set([...virtualFiles.keys()].map((f) => path.dirname(f)));
  host.fileExists = (f) => virtualFiles.has(f) || fileExists(f);
  host.directoryExists = (d) => virtualDirectories.has(d) || (directoryExists ? directoryExists(d) : fs.existsSync(d));
  host.readFile = (f) => virtualFiles.get(f) ?? readFile(f);
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) => {
    const text = virtualFiles.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, languageVersion, true);
    if (!isKeptLibrary(f)) return ts.createSourceFile(f, 'export {};', languageVersion);
    if (!f.includes('/node_modules/')) return getSourceFile(f, languageVersion, onError, shouldCreate);
    let sf = libraryFiles.get(f);
    if (!sf) {
      sf = getSourceFile(f, languageVersion, onError, shouldCreate);
      if (sf) libraryFiles.set(f, sf);
    }
    return sf;
  };
  return ts.createProgram(entries, COMPILER_OPTIONS, host);
}

export const isProjectSource = (sf: ts.SourceFile) => !sf.isDeclarationFile && !sf.fileName.includes('/node_modules/');

export const relativeToRepo = (file: string) => path.relative(REPO_ROOT, file);

export function siteOf(node: ts.Node): string {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `${relativeToRepo(sf.fileName)}:${line + 1}`;
}

/** A module a source file loads when it runs: static imports and re-exports with values, require(), import(). */
export interface ModuleReference {
  specifier: string;
  /** `require.resolve(...)`: named, loaded by someone else (e.g. the Temporal workflow bundler). */
  resolveOnly: boolean;
  node: ts.Node;
}

/** True when an import brings in types only, so TypeScript erases it and the module is not loaded. */
function isTypeOnlyImport(decl: ts.ImportDeclaration): boolean {
  const clause = decl.importClause;
  if (!clause) return false; // `import './x'`: loaded for its side effects
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings) return false;
  if (ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

export function moduleReferences(sf: ts.SourceFile): ModuleReference[] {
  const refs: ModuleReference[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!isTypeOnlyImport(node)) refs.push({ specifier: node.moduleSpecifier.text, resolveOnly: false, node });
      return;
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) refs.push({ specifier: node.moduleSpecifier.text, resolveOnly: false, node });
      return;
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (!node.isTypeOnly && ts.isStringLiteral(expr)) refs.push({ specifier: expr.text, resolveOnly: false, node });
      return;
    }
    if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      const specifier = node.arguments[0].text;
      if (callee.kind === ts.SyntaxKind.ImportKeyword) refs.push({ specifier, resolveOnly: false, node });
      else if (ts.isIdentifier(callee) && callee.text === 'require') refs.push({ specifier, resolveOnly: false, node });
      else if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'require' &&
        callee.name.text === 'resolve'
      )
        refs.push({ specifier, resolveOnly: true, node });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** The project file a relative specifier names (`./x` → x.ts or x/index.ts), or undefined for packages. */
export function resolveRelative(
  fromFile: string,
  specifier: string,
  exists: (file: string) => boolean = fs.existsSync,
): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, path.join(base, 'index.ts'), `${base}.js`, `${base}.json`];
  return candidates.find((c) => /\.(ts|js|json)$/.test(c) && exists(c));
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export const isNodeBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

/**
 * Every project file loaded when `entry` runs, following relative references. `require.resolve` targets
 * count when `followResolve` is set (e.g. the workflows the Temporal worker bundles from a path).
 */
export function loadedProjectFiles(
  entry: string,
  readSource: (file: string) => ts.SourceFile,
  followResolve = false,
  exists: (file: string) => boolean = fs.existsSync,
): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.ts')) continue;
    for (const ref of moduleReferences(readSource(file))) {
      if (ref.resolveOnly && !followResolve) continue;
      const target = resolveRelative(file, ref.specifier, exists);
      if (target && !seen.has(target)) queue.push(target);
    }
  }
  return seen;
}

export function parseSourceFile(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}
