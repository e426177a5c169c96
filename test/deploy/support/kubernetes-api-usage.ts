/**
 * The Kubernetes API permissions a process needs, derived from its code (not listed by hand), so the RBAC
 * manifests can be checked against what the code really does.
 *
 * In the code reachable from the process's entry module (reachability.ts) it finds:
 *   - calls of @kubernetes/client-node's CustomObjectsApi: the method name gives the verb and subresource
 *     (create/get/list/patch/replace→update/delete/deleteCollection→deletecollection; …Status → status,
 *     …Scale → scale) and the `group`/`plural` of its parameter object give the resource, evaluated to
 *     constants (constant-evaluator.ts); `watch: true` on a list adds the watch verb;
 *   - `Watch.watch(path)` and `makeInformer(kc, path)`: the watch verb on the resource of the path, written
 *     with `collectionPath(resource)` or as a constant `/apis/<group>/<version>/…/<plural>`;
 *   - calls of the typed API clients in the table TYPED_API_METHODS: the review APIs a service uses to
 *     check its callers (kube-rbac-proxy style: AuthenticationV1Api.createTokenReview,
 *     AuthorizationV1Api.createSubjectAccessReview) and EventsV1Api.createNamespacedEvent (the Events the
 *     worker reports on WorkflowExecutions);
 *   - owner references with `blockOwnerDeletion: true`: the API server's OwnerReferencesPermissionEnforcement
 *     admission plugin (enabled on OpenShift and many hardened clusters) then requires `update` on the
 *     owner's `finalizers` subresource;
 *   - anything it cannot account for — another API client class (CoreV1Api, KubernetesObjectApi…), an
 *     unknown method, a resource it cannot evaluate — is reported as a problem rather than ignored.
 * Not covered: raw HTTP requests to the API server (the project makes none).
 */
import ts from 'typescript';
import { ConstantEvaluator, stringsOf, Unresolved, type Value } from './constant-evaluator';
import { analyzeReachability } from './reachability';
import { siteOf } from './source-program';

export interface KubernetesPermission {
  /** API group; '' for the core group. */
  group: string;
  /** Resource, with `/subresource` when one is used. */
  resource: string;
  verb: string;
}

export interface KubernetesApiUse extends KubernetesPermission {
  /** `file:line` of the call. */
  site: string;
  /** What at that site needs the permission. */
  via: string;
}

export interface KubernetesApiUsage {
  uses: KubernetesApiUse[];
  problems: string[];
  /** Project files the process loads. */
  files: Set<string>;
}

const VERBS: Record<string, string> = {
  create: 'create',
  get: 'get',
  list: 'list',
  patch: 'patch',
  replace: 'update',
  delete: 'delete',
  deleteCollection: 'deletecollection',
};
const CUSTOM_OBJECT_METHOD =
  /^(create|get|list|patch|replace|deleteCollection|delete)(?:Namespaced|Cluster)?CustomObject(?:ForAllNamespaces)?(Status|Scale)?(?:WithHttpInfo)?$/;
/** Typed API clients analysed besides CustomObjectsApi: each method they may call and what it needs. */
const TYPED_API_METHODS: Record<string, Record<string, KubernetesPermission>> = {
  AuthenticationV1Api: {
    createTokenReview: { group: 'authentication.k8s.io', resource: 'tokenreviews', verb: 'create' },
  },
  AuthorizationV1Api: {
    createSubjectAccessReview: { group: 'authorization.k8s.io', resource: 'subjectaccessreviews', verb: 'create' },
  },
  EventsV1Api: {
    createNamespacedEvent: { group: 'events.k8s.io', resource: 'events', verb: 'create' },
  },
};
/** `ObjectAuthenticationV1Api` (what makeApiClient returns) or `AuthenticationV1Api` → the table's key. */
const typedApiOf = (receiver: string | undefined) =>
  receiver === undefined ? undefined : Object.keys(TYPED_API_METHODS).find((api) => receiver.endsWith(api));

/** Discovery: every authenticated client may call it (system:discovery), no rule needed. */
const DISCOVERY_METHOD = /^getAPIResources(WithHttpInfo)?$/;

const isClientNode = (decl: ts.Node | undefined) =>
  decl?.getSourceFile().fileName.includes('/@kubernetes/client-node/') ?? false;

export const permissionKey = (p: KubernetesPermission) => `${p.group || 'core'} ${p.resource} ${p.verb}`;

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>` or `/api/v1[/namespaces/<ns>]/<plural>`. */
export function resourceOfPath(path: string): { group: string; plural: string } | undefined {
  const m = /^\/(?:apis\/([^/]+)\/[^/]+|api\/v1)(?:\/namespaces\/[^/]+)?\/([^/]+)\/?$/.exec(path);
  return m ? { group: m[1] ?? '', plural: m[2] } : undefined;
}

export function analyzeKubernetesApiUsage(
  program: ts.Program,
  entry: string,
  ownerPlural: (group: string, kind: string) => string | undefined,
): KubernetesApiUsage {
  const checker = program.getTypeChecker();
  const reach = analyzeReachability(program, entry);
  const evaluator = new ConstantEvaluator(checker, reach);
  const uses: KubernetesApiUse[] = [];
  const problems: string[] = [];

  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof Unresolved) problems.push(err.message);
      else throw err;
    }
  };
  const strings = (values: Value[] | undefined, what: string, at: ts.Node) => {
    const found = stringsOf(values ?? []);
    if (found.length === 0) throw new Unresolved(`${what} does not evaluate to a constant string`, at);
    return found;
  };

  /** The (group, plural) pairs an object like `{ group, version, plural }` may hold. */
  const resourcesOfObject = (expr: ts.Expression) => {
    const objects = evaluator.evaluate(expr);
    if (objects.length === 0) throw new Unresolved('the resource does not evaluate to anything', expr);
    return objects.flatMap((o) => {
      if (o.kind !== 'object') throw new Unresolved('the resource is not an object', expr);
      const groups = strings(o.get('group'), 'its group', expr);
      const plurals = strings(o.get('plural'), 'its plural', expr);
      return groups.flatMap((group) => plurals.map((plural) => ({ group, plural })));
    });
  };

  const resourcesOfPath = (expr: ts.Expression) => {
    const e = ts.isParenthesizedExpression(expr) ? expr.expression : expr;
    if (ts.isCallExpression(e)) {
      const callee = checker.getSymbolAtLocation(
        ts.isPropertyAccessExpression(e.expression) ? e.expression.name : e.expression,
      );
      const target = callee && callee.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(callee) : callee;
      if (target?.getName() === 'collectionPath' && e.arguments.length > 0) return resourcesOfObject(e.arguments[0]);
    }
    return strings(evaluator.evaluate(e), 'the watched path', e).map((path) => {
      const r = resourceOfPath(path);
      if (!r) throw new Unresolved(`${path} is not a collection path`, e);
      return r;
    });
  };

  const use = (
    node: ts.Node,
    via: string,
    verb: string,
    resources: { group: string; plural: string }[],
    subresource?: string,
  ) => {
    for (const r of resources)
      uses.push({
        group: r.group,
        resource: subresource ? `${r.plural}/${subresource}` : r.plural,
        verb,
        site: siteOf(node),
        via,
      });
  };

  for (const call of reach.calls) {
    if (!ts.isCallExpression(call)) continue;
    const callee = call.expression;
    const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    const symbol = checker.getSymbolAtLocation(name);
    const resolved = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const decl = resolved?.declarations?.[0];
    if (!isClientNode(decl)) continue;
    const method = resolved!.getName();
    const receiver = ts.isPropertyAccessExpression(callee)
      ? checker.getTypeAtLocation(callee.expression).getSymbol()?.getName()
      : undefined;
    const site = siteOf(call);

    if (method === 'makeApiClient') {
      const api = call.arguments[0];
      const apiName =
        api && checker.getSymbolAtLocation(ts.isPropertyAccessExpression(api) ? api.name : api)?.getName();
      if (apiName !== 'CustomObjectsApi' && !(apiName !== undefined && apiName in TYPED_API_METHODS))
        problems.push(
          `${site}: makeApiClient(${api?.getText()}): only CustomObjectsApi and ${Object.keys(TYPED_API_METHODS).join(', ')} are analysed; extend kubernetes-api-usage.ts`,
        );
      continue;
    }
    if (method === 'makeInformer') {
      attempt(() => use(call, 'makeInformer', 'watch', resourcesOfPath(call.arguments[1])));
      continue;
    }
    if (receiver === 'Watch' && method === 'watch') {
      attempt(() => use(call, 'Watch.watch', 'watch', resourcesOfPath(call.arguments[0])));
      continue;
    }
    if (receiver !== undefined && /CustomObjectsApi$/.test(receiver)) {
      if (DISCOVERY_METHOD.test(method)) continue;
      const m = CUSTOM_OBJECT_METHOD.exec(method);
      if (!m) {
        problems.push(`${site}: CustomObjectsApi.${method} is not mapped to a verb; extend kubernetes-api-usage.ts`);
        continue;
      }
      const [, action, subresource] = m;
      const params = call.arguments[0];
      if (!params) {
        problems.push(`${site}: ${method} without parameters`);
        continue;
      }
      attempt(() => {
        const resources = resourcesOfObject(params);
        use(call, method, VERBS[action], resources, subresource?.toLowerCase());
        if (action === 'list' && ts.isObjectLiteralExpression(params)) {
          const watch = params.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'watch');
          if (watch) use(call, `${method} with watch`, 'watch', resources);
        }
      });
      continue;
    }
    const typedApi = typedApiOf(receiver);
    if (typedApi !== undefined) {
      const permission = TYPED_API_METHODS[typedApi]![method];
      if (permission) uses.push({ ...permission, site, via: `${typedApi}.${method}` });
      else
        problems.push(`${site}: ${typedApi}.${method} is not mapped to a permission; extend kubernetes-api-usage.ts`);
      continue;
    }
    if (receiver !== undefined && /Api$/.test(receiver))
      problems.push(
        `${site}: ${receiver}.${method} is not analysed (only CustomObjectsApi); extend kubernetes-api-usage.ts`,
      );
  }

  for (const literal of reach.objectLiterals) {
    const blocks = literal.properties.some(
      (p) =>
        ts.isPropertyAssignment(p) &&
        ts.isIdentifier(p.name) &&
        p.name.text === 'blockOwnerDeletion' &&
        p.initializer.kind === ts.SyntaxKind.TrueKeyword,
    );
    if (!blocks) continue;
    attempt(() => {
      const owner = evaluator.evaluate(literal)[0];
      if (owner?.kind !== 'object') throw new Unresolved('owner reference is not an object', literal);
      for (const apiVersion of strings(owner.get('apiVersion'), 'the owner apiVersion', literal)) {
        for (const kind of strings(owner.get('kind'), 'the owner kind', literal)) {
          const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
          const plural = ownerPlural(group, kind);
          if (!plural) throw new Unresolved(`owner kind ${kind} of ${apiVersion} is not a known resource`, literal);
          use(
            literal,
            `ownerReference to ${kind} with blockOwnerDeletion`,
            'update',
            [{ group, plural }],
            'finalizers',
          );
        }
      }
    });
  }

  return { uses, problems, files: reach.files };
}
