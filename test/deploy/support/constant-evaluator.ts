/**
 * Evaluates an expression of the project's sources to the constant values it can take, following the
 * code the way a reader would: through imported constants, object literals and spreads, destructuring,
 * `for…of` over arrays (including what `push` adds to them), `this.x` fields set in the class, and the
 * parameters of functions (the arguments at every reachable call site). The result is every value the
 * expression may have (an over-approximation: both branches of a condition count).
 *
 * Whatever it cannot follow (a value computed at run time, a parameter only a framework supplies)
 * throws `Unresolved` naming the expression, so an analysis built on it fails loudly instead of missing
 * something. Values: strings, objects (properties read lazily, last definition wins as in JavaScript),
 * arrays (items by position).
 */
import ts from 'typescript';
import type { Reachability, Unit } from './reachability';
import { siteOf } from './source-program';

export type Value =
  | { kind: 'string'; value: string }
  | { kind: 'object'; node: ts.Node; get(property: string): Value[] | undefined }
  | { kind: 'array'; node: ts.Node; items: (() => Value[])[] }
  | { kind: 'other'; node: ts.Node };

export class Unresolved extends Error {
  override name = 'Unresolved';
  constructor(why: string, node: ts.Node) {
    super(`${siteOf(node)}: cannot follow \`${node.getText().slice(0, 80)}\`: ${why}`);
  }
}

/** Bounds the alternatives kept per expression (guards against combinatorial growth). */
const MAX_ALTERNATIVES = 64;

function skipOuter(e: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isNonNullExpression(e) ||
    ts.isTypeAssertionExpression(e)
  )
    e = e.expression;
  return e;
}

function dedupe(values: Value[]): Value[] {
  const seen = new Set<unknown>();
  return values
    .filter((v) => {
      const key = v.kind === 'string' ? `s:${v.value}` : v.node;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_ALTERNATIVES);
}

export const stringsOf = (values: Value[]) =>
  values.filter((v): v is Extract<Value, { kind: 'string' }> => v.kind === 'string').map((v) => v.value);

const nameText = (name: ts.PropertyName | ts.BindingName): string | undefined =>
  ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) ? name.text : undefined;

export class ConstantEvaluator {
  private readonly inProgress = new Set<ts.Node>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly reach: Pick<Reachability, 'callsTo'>,
  ) {}

  evaluate(expression: ts.Expression): Value[] {
    if (this.inProgress.has(expression)) return []; // a cycle adds nothing new
    this.inProgress.add(expression);
    try {
      return dedupe(this.evaluateOnce(skipOuter(expression)));
    } finally {
      this.inProgress.delete(expression);
    }
  }

  /** The values of `property` on each of `values` (objects only). */
  property(values: Value[], property: string, at: ts.Node): Value[] {
    return values.flatMap((v) => {
      if (v.kind === 'object') return v.get(property) ?? [];
      throw new Unresolved(`reads .${property} of a ${v.kind} value`, at);
    });
  }

  private evaluateOnce(e: ts.Expression): Value[] {
    if (ts.isStringLiteralLike(e)) return [{ kind: 'string', value: e.text }];
    if (ts.isNumericLiteral(e) || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword)
      return [{ kind: 'other', node: e }];
    if (ts.isTemplateExpression(e)) return this.template(e);
    if (ts.isObjectLiteralExpression(e)) return [this.object(e)];
    if (ts.isArrayLiteralExpression(e)) return [this.array(e, undefined)];
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return [{ kind: 'other', node: e }];
    if (ts.isConditionalExpression(e)) return [...this.evaluate(e.whenTrue), ...this.evaluate(e.whenFalse)];
    if (
      ts.isBinaryExpression(e) &&
      (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        e.operatorToken.kind === ts.SyntaxKind.BarBarToken)
    )
      return [...this.evaluate(e.left), ...this.evaluate(e.right)];
    if (ts.isIdentifier(e)) return this.symbol(this.checker.getSymbolAtLocation(e), e);
    if (ts.isPropertyAccessExpression(e)) {
      if (e.expression.kind === ts.SyntaxKind.ThisKeyword) return this.thisField(e);
      return this.property(this.evaluate(e.expression), e.name.text, e);
    }
    throw new Unresolved(`a ${ts.SyntaxKind[e.kind]} is not a constant`, e);
  }

  private template(e: ts.TemplateExpression): Value[] {
    let texts = [e.head.text];
    for (const span of e.templateSpans) {
      const parts = stringsOf(this.evaluate(span.expression));
      if (parts.length === 0) throw new Unresolved('template part is not a constant string', span.expression);
      texts = texts.flatMap((t) => parts.map((p) => t + p + span.literal.text)).slice(0, MAX_ALTERNATIVES);
    }
    return texts.map((value) => ({ kind: 'string', value }));
  }

  private object(literal: ts.ObjectLiteralExpression): Value {
    const members = [...literal.properties].reverse(); // the last definition of a property wins
    return {
      kind: 'object',
      node: literal,
      get: (property) => {
        for (const m of members) {
          if (ts.isSpreadAssignment(m)) {
            const type = this.checker.getTypeAtLocation(m.expression);
            const mayHave = type.getProperty(property) !== undefined || (type.flags & ts.TypeFlags.Any) !== 0;
            if (!mayHave) continue;
            const found = this.property(this.evaluate(m.expression), property, m);
            if (found.length > 0) return found;
            continue;
          }
          if (!m.name || nameText(m.name) !== property) continue;
          if (ts.isPropertyAssignment(m)) return this.evaluate(m.initializer);
          if (ts.isShorthandPropertyAssignment(m))
            return this.symbol(this.checker.getShorthandAssignmentValueSymbol(m), m.name);
          return [{ kind: 'other', node: m }];
        }
        return undefined;
      },
    };
  }

  /** An array literal; when it initialises a variable, what `variable.push(…)` adds counts too. */
  private array(literal: ts.ArrayLiteralExpression, variable: ts.Symbol | undefined): Value {
    const items = literal.elements.map((el) => () => {
      if (ts.isSpreadElement(el)) throw new Unresolved('spread inside an array', el);
      return this.evaluate(el);
    });
    if (variable) {
      const scope =
        ts.findAncestor(literal, (n) => ts.isFunctionLike(n) || ts.isSourceFile(n)) ?? literal.getSourceFile();
      const visit = (n: ts.Node): void => {
        if (
          ts.isCallExpression(n) &&
          ts.isPropertyAccessExpression(n.expression) &&
          (n.expression.name.text === 'push' || n.expression.name.text === 'unshift') &&
          this.checker.getSymbolAtLocation(n.expression.expression) === variable
        )
          for (const arg of n.arguments) items.push(() => this.evaluate(arg));
        ts.forEachChild(n, visit);
      };
      visit(scope);
    }
    return { kind: 'array', node: literal, items };
  }

  private items(values: Value[], at: ts.Node): Value[] {
    return values.flatMap((v) => {
      if (v.kind !== 'array') throw new Unresolved(`iterates over a ${v.kind} value`, at);
      return v.items.flatMap((item) => item());
    });
  }

  private symbol(symbol: ts.Symbol | undefined, at: ts.Node): Value[] {
    if (!symbol) throw new Unresolved('no declaration found', at);
    const s = symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
    const decl = s.valueDeclaration ?? s.declarations?.[0];
    if (!decl) throw new Unresolved('no declaration found', at);
    if (ts.isSourceFile(decl)) {
      // `import * as names from '…'`: the module's exports.
      return [
        {
          kind: 'object',
          node: decl,
          get: (property) => {
            const exported = this.checker.getExportsOfModule(s).find((x) => x.getName() === property);
            return exported ? this.symbol(exported, at) : undefined;
          },
        },
      ];
    }
    if (ts.isVariableDeclaration(decl)) return this.variable(decl, s, at);
    if (ts.isBindingElement(decl)) return this.bindingElement(decl);
    if (ts.isParameter(decl)) return this.parameter(decl);
    if (ts.isEnumMember(decl) && decl.initializer) return this.evaluate(decl.initializer);
    if (ts.isFunctionLike(decl) || ts.isClassLike(decl)) return [{ kind: 'other', node: decl }];
    throw new Unresolved(`declared by a ${ts.SyntaxKind[decl.kind]}`, at);
  }

  private variable(decl: ts.VariableDeclaration, symbol: ts.Symbol, at: ts.Node): Value[] {
    const forOf = decl.parent.parent;
    if (ts.isForOfStatement(forOf)) return this.items(this.evaluate(forOf.expression), forOf.expression);
    if (!decl.initializer) throw new Unresolved('a variable without initializer', at);
    const init = skipOuter(decl.initializer);
    if (ts.isArrayLiteralExpression(init)) return [this.array(init, symbol)];
    return this.evaluate(decl.initializer);
  }

  /** What a destructuring element receives: `const { plural } = X`, `for (const [a, b] of X)`, nested. */
  private bindingElement(el: ts.BindingElement): Value[] {
    const pattern = el.parent;
    const sources = this.bindingSource(pattern.parent);
    if (ts.isObjectBindingPattern(pattern)) {
      const name = nameText(el.propertyName ?? el.name);
      if (name === undefined) throw new Unresolved('computed destructuring', el);
      return this.property(sources, name, el);
    }
    const index = pattern.elements.indexOf(el);
    return sources.flatMap((v) => {
      if (v.kind !== 'array') throw new Unresolved(`destructures a ${v.kind} value as an array`, el);
      return v.items[index]?.() ?? [];
    });
  }

  private bindingSource(node: ts.Node): Value[] {
    if (ts.isBindingElement(node)) return this.bindingElement(node);
    if (ts.isParameter(node)) return this.parameter(node);
    if (ts.isVariableDeclaration(node)) {
      const forOf = node.parent.parent;
      if (ts.isForOfStatement(forOf)) return this.items(this.evaluate(forOf.expression), forOf.expression);
      if (node.initializer) return this.evaluate(node.initializer);
    }
    throw new Unresolved('destructuring of an unknown source', node);
  }

  /** A parameter takes the arguments of every reachable call of its function. */
  private parameter(p: ts.ParameterDeclaration): Value[] {
    const fn = p.parent as ts.SignatureDeclaration;
    const index = fn.parameters.indexOf(p);
    const calls = this.reach.callsTo.get(fn as Unit) ?? [];
    if (calls.length === 0)
      throw new Unresolved('a parameter of a function no analysed code calls (only a framework or nobody does)', p);
    return calls.flatMap((call) => {
      const args = call.arguments ?? [];
      if (args.slice(0, index + 1).some((a) => ts.isSpreadElement(a)))
        throw new Unresolved('arguments passed with a spread', call);
      const arg = args[index];
      if (arg) return this.evaluate(arg);
      return p.initializer ? this.evaluate(p.initializer) : [];
    });
  }

  /** `this.x`: the field's initializer and every `this.x = …` in the class. */
  private thisField(e: ts.PropertyAccessExpression): Value[] {
    const cls = ts.findAncestor(e, ts.isClassLike);
    if (!cls) throw new Unresolved('`this` outside a class', e);
    const name = e.name.text;
    const sources: ts.Expression[] = [];
    for (const m of cls.members) {
      if (ts.isPropertyDeclaration(m) && nameText(m.name) === name && m.initializer) sources.push(m.initializer);
      const visit = (n: ts.Node): void => {
        if (
          ts.isBinaryExpression(n) &&
          n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
          ts.isPropertyAccessExpression(n.left) &&
          n.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
          n.left.name.text === name
        )
          sources.push(n.right);
        ts.forEachChild(n, visit);
      };
      visit(m);
    }
    if (sources.length === 0) throw new Unresolved(`field ${name} is never assigned in its class`, e);
    return sources.flatMap((s) => this.evaluate(s));
  }
}
