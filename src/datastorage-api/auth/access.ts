/**
 * Who may read what. In a cluster, access to the API is Kubernetes RBAC on *virtual* resources — names
 * that exist only in RBAC rules, never as objects — checked with a SubjectAccessReview per request (the way
 * kube-rbac-proxy protects a service). Each route declares the attributes it needs:
 *
 * | route                                                          | apiGroup       | resource                   | verb |
 * | -------------------------------------------------------------- | -------------- | -------------------------- | ---- |
 * | `GET /api/v1/action-records`                                   | `kubernaut.ai` | `actionrecords`            | list |
 * | `GET /api/v1/workflow-executions/{wfeUid}/action-records`      | `kubernaut.ai` | `actionrecords`            | list |
 * | `GET /api/v1/action-statistics`                                | `kubernaut.ai` | `actionstatistics`         | get  |
 * | `GET /api/v1/effectiveness-assessments`                        | `kubernaut.ai` | `effectivenessassessments` | list |
 * | `GET /api/v1/remediations/{namespace}/{name}/effectiveness-assessment` | `kubernaut.ai` | `effectivenessassessments` | get |
 *
 * The checks are cluster-scoped (no namespace): a ClusterRole with these rules, bound with a
 * ClusterRoleBinding, gives a ServiceAccount read access (deploy/datastorage-api/reader-role.yaml).
 */
import { API_GROUP } from '../../domain/names';

export interface AccessAttributes {
  group: string;
  resource: string;
  verb: 'get' | 'list';
}

export const DATASTORAGE_ACCESS = {
  listActionRecords: { group: API_GROUP, resource: 'actionrecords', verb: 'list' },
  getActionStatistics: { group: API_GROUP, resource: 'actionstatistics', verb: 'get' },
  listAssessments: { group: API_GROUP, resource: 'effectivenessassessments', verb: 'list' },
  getAssessment: { group: API_GROUP, resource: 'effectivenessassessments', verb: 'get' },
} as const satisfies Record<string, AccessAttributes>;

/** An authenticated caller, as the TokenReview (or the token file) describes it. */
export interface Identity {
  user: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export type AuthenticationResult =
  { authenticated: true; identity: Identity } | { authenticated: false; reason: string };
export type AuthorizationResult = { allowed: true } | { allowed: false; reason: string };

/**
 * Decides who a token belongs to and what they may do. Throws AuthBackendError when it cannot decide
 * (the API server is unreachable): that is a 503, never a 401 or 403.
 */
export interface AccessReviewer {
  authenticate(token: string): Promise<AuthenticationResult>;
  authorize(identity: Identity, access: AccessAttributes): Promise<AuthorizationResult>;
}

export class AuthBackendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthBackendError';
  }
}

/** The token of an `Authorization: Bearer <token>` header, or why there is none. */
export function bearerToken(header: string | string[] | undefined): { token: string } | { reason: string } {
  if (header === undefined) return { reason: 'no Authorization header: send Authorization: Bearer <token>' };
  if (Array.isArray(header)) return { reason: 'more than one Authorization header' };
  const m = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!m) return { reason: 'the Authorization header is not of the form Bearer <token>' };
  if (m[1].length > 16_384) return { reason: 'the bearer token is too long' };
  return { token: m[1] };
}
