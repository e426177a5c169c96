/**
 * Every error the API answers is an RFC 9457 problem (`application/problem+json`), and this module is the
 * one place that decides which: the table below is the whole mapping.
 *
 * | problem type                 | status | when                                                                 |
 * | ---------------------------- | ------ | -------------------------------------------------------------------- |
 * | `/problems/invalid-parameter` | 400    | a parameter is missing, malformed, out of range or unknown; `invalid-params` names each |
 * | `/problems/unauthenticated`   | 401    | no bearer token, or one the API server (or the token file) does not accept |
 * | `/problems/forbidden`         | 403    | authenticated, but RBAC does not allow the verb on the virtual resource |
 * | `/problems/not-found`         | 404    | no such route, or no assessment of that remediation                  |
 * | `/problems/too-many-requests` | 429    | the client's requests per minute are used up (`Retry-After`)          |
 * | `/problems/unavailable`       | 503    | the database or the API server (for authentication) is unreachable, or the request ran out of time (`Retry-After`) |
 * | `/problems/internal`          | 500    | a bug: logged with the request id, never with details in the answer  |
 *
 * `type` values are URI references relative to the API's base URL (RFC 9457 §3.1.1 allows them); the
 * OpenAPI document lists them.
 */
import { DataStorageError } from '../datastorage/errors';

export const PROBLEM_TYPES = {
  'invalid-parameter': { status: 400, title: 'Invalid request parameter' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Access denied' },
  'not-found': { status: 404, title: 'Not found' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const;
export type ProblemKind = keyof typeof PROBLEM_TYPES;

export const problemType = (kind: ProblemKind) => `/problems/${kind}`;

/** One rejected parameter (RFC 9457's `invalid-params` extension, as in its appendix example). */
export interface InvalidParam {
  name: string;
  /** Where it was given: query or path. */
  in: 'query' | 'path' | 'header';
  reason: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  'invalid-params'?: InvalidParam[];
}

/** A problem to answer, with the headers that go with it (Retry-After, WWW-Authenticate). */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(
    kind: ProblemKind,
    detail: string,
    extra: { invalidParams?: InvalidParam[]; headers?: Record<string, string>; status?: number } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    const { status, title } = PROBLEM_TYPES[kind];
    this.problem = {
      type: problemType(kind),
      title,
      status: extra.status ?? status,
      detail,
      ...(extra.invalidParams ? { 'invalid-params': extra.invalidParams } : {}),
    };
    this.headers = extra.headers ?? {};
  }
}

export const invalidParameter = (params: InvalidParam[]) =>
  new ProblemError('invalid-parameter', params.map((p) => `${p.name}: ${p.reason}`).join('; '), {
    invalidParams: params,
  });

/** What fastify-type-provider-zod reports for one broken rule of a querystring or path schema. */
interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: { keys?: string[] };
}

/** A schema validation failure of fastify (zod issues) as the parameters it names. */
export function invalidParamsOf(issues: ValidationIssue[], context: string | undefined): InvalidParam[] {
  const where: InvalidParam['in'] = context === 'params' ? 'path' : context === 'headers' ? 'header' : 'query';
  return issues.flatMap((issue): InvalidParam[] => {
    if (issue.keyword === 'unrecognized_keys' && issue.params?.keys)
      return issue.params.keys.map((name) => ({
        name,
        in: where,
        reason: 'is not a parameter of this endpoint (see /openapi.json)',
      }));
    const name = (issue.instancePath ?? '').split('/').filter(Boolean)[0] ?? '(request)';
    return [{ name, in: where, reason: issue.message ?? 'is invalid' }];
  });
}

export interface ProblemMappingOptions {
  retryAfterSeconds: number;
}

/**
 * The problem for anything a request handler (or fastify itself) threw. `internal: true` marks those
 * that are bugs and must be logged with their stack.
 */
export function problemFor(err: unknown, o: ProblemMappingOptions): { error: ProblemError; internal: boolean } {
  if (err instanceof ProblemError) return { error: err, internal: false };
  if (err instanceof DataStorageError) {
    if (err.retryable)
      return {
        error: new ProblemError(
          'unavailable',
          err.code === '57014'
            ? 'the query ran longer than the database statement timeout: narrow the time window or add filters, or retry later'
            : 'the Data Storage database is unreachable; retry later',
          { headers: { 'retry-after': String(o.retryAfterSeconds) } },
        ),
        internal: false,
      };
    return { error: new ProblemError('internal', 'the query failed; the error is logged'), internal: true };
  }
  const e = err as {
    validation?: ValidationIssue[];
    validationContext?: string;
    statusCode?: number;
    message?: string;
  };
  if (Array.isArray(e?.validation))
    return { error: invalidParameter(invalidParamsOf(e.validation, e.validationContext)), internal: false };
  if (e?.statusCode === 429)
    return {
      error: new ProblemError('too-many-requests', e.message ?? 'rate limit reached'),
      internal: false,
    };
  if (e?.statusCode === 404) return { error: new ProblemError('not-found', e.message ?? 'not found'), internal: false };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    // Malformed requests fastify itself rejects (bad URL encoding, a body on GET, …): still the client's.
    return {
      error: new ProblemError('invalid-parameter', e.message ?? 'malformed request', { status: e.statusCode }),
      internal: false,
    };
  return { error: new ProblemError('internal', 'unexpected error; it is logged'), internal: true };
}
