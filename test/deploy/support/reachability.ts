/**
 * Which code of the project a process can run, at the granularity of functions: the worker and the watcher
 * share modules (e.g. the watcher imports the WorkflowExecution activities to release a finalizer), so
 * "files it imports" would grant the watcher everything those files can do. Here a function counts only
 * when something that runs refers to it.
 *
 * Units of code: a module's top-level statements; each named function, method, accessor, constructor (with
 * the class's field initializers), and each function assigned to a variable or property. Functions written
 * inline (callbacks) belong to the unit around them. A unit is reachable from the entry module's top level
 * through:
 *   - value imports (running a module runs its top level);
 *   - references by name: identifiers and property names resolve (with the type checker) to their
 *     declarations, so `actions.start` reaches that `start` method and not its siblings;
 *   - escapes: an object passed as an argument (or spread, or put in a literal that is) may have any of its
 *     methods called by the receiver (e.g. the activities object handed to the Temporal worker), so all
 *     its function members become reachable;
 *   - calls through interfaces or function-typed options (a member without a body): every unit of that
 *     name in the loaded files is assumed reachable.
 * Each rule errs on the side of "reachable": an analysis built on this one may ask for too much, never
 * too little.
 */
import ts from 'typescript';
import { isProjectSource, loadedProjectFiles, moduleReferences, resolveRelative } from './source-program';

export type Unit = ts.SourceFile | ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration;

export interface Reachability {
  units: Set<Unit>;
  /** Calls and `new` expressions inside reachable units, by the unit they call (for parameter values). */
  callsTo: Map<Unit, (ts.CallExpression | ts.NewExpression)[]>;
  /** Every call and `new` expression inside reachable units. */
  calls: (ts.CallExpression | ts.NewExpression)[];
  /** Object literals inside reachable units. */
  objectLiterals: ts.ObjectLiteralExpression[];
  files: Set<string>;
}

const isFunctionExpression = (n: ts.Node | undefined): n is ts.ArrowFunction | ts.FunctionExpression =>
  n !== undefined && (ts.isArrowFunction(n) || ts.isFunctionExpression(n));

/** The unit a declaration introduces, if it introduces one. */
export function unitOfDeclaration(decl: ts.Node, checker: ts.TypeChecker): Unit | undefined {
  if (
    ts.isFunctionDeclaration(decl) ||
    ts.isMethodDeclaration(decl) ||
    ts.isAccessor(decl) ||
    ts.isConstructorDeclaration(decl)
  )
    return decl.body ? decl : undefined;
  if (ts.isClassDeclaration(decl) || ts.isClassExpression(decl)) return decl;
  if (
    (ts.isVariableDeclaration(decl) || ts.isPropertyAssignment(decl) || ts.isPropertyDeclaration(decl)) &&
    isFunctionExpression(decl.initializer)
  )
    return decl.initializer;
  if (ts.isShorthandPropertyAssignment(decl)) {
    const value = checker.getShorthandAssignmentValueSymbol(decl);
    const target = value?.valueDeclaration ?? value?.declarations?.[0];
    return target ? unitOfDeclaration(target, checker) : undefined;
  }
  return undefined;
}

/** True for a node that starts its own unit, so walking its parent unit stops there. */
function isOwnUnit(node: ts.Node): boolean {
  if (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isAccessor(node) ||
    ts.isConstructorDeclaration(node)
  )
    return true;
  if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) return true;
  if (isFunctionExpression(node)) {
    const p = node.parent;
    return (
      (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) &&
      p.initializer === node
    );
  }
  return false;
}

/** The name a declaration introduces (not a use): `const x`, `function f`, `{ p: … }`, `m() {}`. */
const isDeclarationName = (id: ts.Identifier) => {
  const p = id.parent as ts.Node & { name?: ts.Node };
  return (
    p.name === id && !ts.isPropertyAccessExpression(p) && !ts.isShorthandPropertyAssignment(p) && !ts.isMetaProperty(p)
  );
};

function inTypePosition(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    // `class A extends B`: B's constructor runs (super); `implements I` is a type.
    if (
      ts.isExpressionWithTypeArguments(n) &&
      ts.isHeritageClause(n.parent) &&
      n.parent.token === ts.SyntaxKind.ExtendsKeyword &&
      ts.isClassLike(n.parent.parent)
    )
      return false;
    if (ts.isTypeNode(n) || ts.isTypeAliasDeclaration(n) || ts.isInterfaceDeclaration(n)) return true;
    if (ts.isBlock(n) || ts.isSourceFile(n) || ts.isExpressionStatement(n)) return false;
  }
  return false;
}

export function analyzeReachability(program: ts.Program, entry: string): Reachability {
  const checker = program.getTypeChecker();
  const sourceOf = (file: string) => {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`${file} is not part of the analysed program`);
    return sf;
  };
  const inProgram = (file: string) => program.getSourceFile(file) !== undefined;
  const files = loadedProjectFiles(entry, sourceOf, false, inProgram);
  const inLoadedFile = (n: ts.Node) => files.has(n.getSourceFile().fileName);

  // Units by member name, for calls through bodiless members (interfaces, function-typed options).
  const unitsByName = new Map<string, Unit[]>();
  const addNamed = (name: string, unit: Unit) => unitsByName.set(name, [...(unitsByName.get(name) ?? []), unit]);
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (!sf || !isProjectSource(sf)) continue;
    const index = (node: ts.Node): void => {
      if ((ts.isMethodDeclaration(node) || ts.isAccessor(node)) && node.body && node.name && ts.isIdentifier(node.name))
        addNamed(node.name.text, node);
      if (
        (ts.isPropertyAssignment(node) || ts.isPropertyDeclaration(node)) &&
        isFunctionExpression(node.initializer) &&
        ts.isIdentifier(node.name)
      )
        addNamed(node.name.text, node.initializer);
      ts.forEachChild(node, index);
    };
    index(sf);
  }

  const units = new Set<Unit>();
  const callsTo = new Map<Unit, (ts.CallExpression | ts.NewExpression)[]>();
  const calls: (ts.CallExpression | ts.NewExpression)[] = [];
  const objectLiterals: ts.ObjectLiteralExpression[] = [];
  const queue: Unit[] = [];
  const reach = (unit: Unit | undefined) => {
    if (!unit || units.has(unit) || !inLoadedFile(unit)) return;
    units.add(unit);
    queue.push(unit);
  };

  /** Units a symbol's declarations stand for; a bodiless member stands for every unit of its name. */
  const unitsOfSymbol = (symbol: ts.Symbol | undefined): Unit[] => {
    if (!symbol) return [];
    const s = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const found: Unit[] = [];
    for (const decl of s.declarations ?? []) {
      if (!isProjectSource(decl.getSourceFile())) continue;
      const unit = unitOfDeclaration(decl, checker);
      if (unit) found.push(unit);
      else if (
        ts.isMethodSignature(decl) ||
        ts.isPropertySignature(decl) ||
        (ts.isMethodDeclaration(decl) && !decl.body)
      )
        found.push(...(unitsByName.get(s.getName()) ?? []));
    }
    return found;
  };

  /** Everything callable on a value that escapes: its function members, a few levels deep. */
  const escape = (type: ts.Type, depth: number, seen: Set<ts.Type>) => {
    if (depth > 3 || seen.has(type)) return;
    seen.add(type);
    for (const prop of type.getProperties()) {
      const decls = prop.declarations ?? [];
      if (decls.length === 0 || !decls.some((d) => isProjectSource(d.getSourceFile()))) continue;
      for (const unit of unitsOfSymbol(prop)) reach(unit);
      const decl = decls[0];
      escape(checker.getTypeOfSymbolAtLocation(prop, decl), depth + 1, seen);
    }
  };
  const escapeExpression = (expr: ts.Expression) => {
    if (ts.isObjectLiteralExpression(expr)) {
      for (const p of expr.properties) {
        if (ts.isPropertyAssignment(p)) escapeExpression(p.initializer);
        else if (ts.isShorthandPropertyAssignment(p)) escape(checker.getTypeAtLocation(p.name), 0, new Set());
        else if (ts.isSpreadAssignment(p)) escapeExpression(p.expression);
      }
      return;
    }
    if (ts.isArrayLiteralExpression(expr)) return expr.elements.forEach((e) => escapeExpression(e));
    if (ts.isSpreadElement(expr)) return escapeExpression(expr.expression);
    escape(checker.getTypeAtLocation(expr), 0, new Set());
  };

  const walk = (unit: Unit) => {
    if (ts.isSourceFile(unit)) {
      for (const ref of moduleReferencesOf(unit)) reach(program.getSourceFile(ref));
    }
    const roots: ts.Node[] = ts.isClassLike(unit)
      ? [
          ...unit.members.filter((m) => ts.isConstructorDeclaration(m) || ts.isClassStaticBlockDeclaration(m)),
          ...unit.members.filter(
            (m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m) && !isFunctionExpression(m.initializer),
          ),
        ]
      : [unit];
    if (ts.isClassLike(unit)) {
      for (const m of unit.members) if (ts.isConstructorDeclaration(m)) reach(m);
    }
    const visit = (node: ts.Node, isRoot: boolean): void => {
      if (!isRoot && isOwnUnit(node)) return;
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
      if (ts.isIdentifier(node) && !isDeclarationName(node) && !inTypePosition(node)) {
        for (const target of unitsOfSymbol(checker.getSymbolAtLocation(node))) reach(target);
      }
      if (ts.isShorthandPropertyAssignment(node)) {
        for (const target of unitsOfSymbol(checker.getShorthandAssignmentValueSymbol(node))) reach(target);
      }
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        calls.push(node);
        const callee = ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression;
        for (const target of unitsOfSymbol(checker.getSymbolAtLocation(callee))) {
          const key = ts.isClassLike(target) ? (constructorOf(target) ?? target) : target;
          callsTo.set(key, [...(callsTo.get(key) ?? []), node]);
        }
        for (const arg of node.arguments ?? []) escapeExpression(arg);
      }
      if (ts.isObjectLiteralExpression(node)) objectLiterals.push(node);
      ts.forEachChild(node, (child) => visit(child, false));
    };
    for (const root of roots) {
      if (ts.isSourceFile(root)) root.statements.forEach((s) => visit(s, false));
      else visit(root, true);
    }
  };

  const moduleReferencesOf = (sf: ts.SourceFile): string[] =>
    moduleReferences(sf)
      .filter((ref) => !ref.resolveOnly)
      .map((ref) => resolveRelative(sf.fileName, ref.specifier, inProgram))
      .filter((target): target is string => target !== undefined && files.has(target));

  reach(sourceOf(entry));
  while (queue.length > 0) walk(queue.pop()!);
  return { units, callsTo, calls, objectLiterals, files };
}

export function constructorOf(cls: ts.ClassLikeDeclaration): ts.ConstructorDeclaration | undefined {
  return cls.members.find(
    (m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined,
  );
}
