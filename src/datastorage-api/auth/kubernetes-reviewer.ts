/**
 * The Kubernetes mode: who a bearer token belongs to is asked of the API server with a TokenReview, and
 * whether that user may read is asked with a SubjectAccessReview on the route's virtual resource
 * (access.ts). The API's own ServiceAccount needs `create` on both review resources, which is what the
 * built-in `system:auth-delegator` role grants (deploy/datastorage-api/rbac.yaml spells it out).
 *
 * A review the API server answers is a decision (401/403); a review it cannot answer (unreachable,
 * 5xx, our own credentials rejected) is an AuthBackendError, answered 503.
 */
import * as k8s from '@kubernetes/client-node';
import {
  AuthBackendError,
  type AccessAttributes,
  type AccessReviewer,
  type AuthenticationResult,
  type AuthorizationResult,
  type Identity,
} from './access';

export interface KubernetesReviewerOptions {
  kubeConfig: k8s.KubeConfig;
  /** Audiences the token must be valid for; the API server's own when empty. */
  audiences?: string[];
}

function backendError(what: string, err: unknown): AuthBackendError {
  const e = err as { code?: unknown; message?: unknown };
  const detail = typeof e?.code === 'number' ? `HTTP ${e.code}` : String(e?.message ?? err);
  return new AuthBackendError(`${what} failed: ${detail}`, { cause: err });
}

export function kubernetesReviewer(o: KubernetesReviewerOptions): AccessReviewer {
  const authentication = o.kubeConfig.makeApiClient(k8s.AuthenticationV1Api);
  const authorization = o.kubeConfig.makeApiClient(k8s.AuthorizationV1Api);
  return {
    async authenticate(token): Promise<AuthenticationResult> {
      let review: k8s.V1TokenReview;
      try {
        review = await authentication.createTokenReview({
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            spec: { token, ...(o.audiences && o.audiences.length > 0 ? { audiences: o.audiences } : {}) },
          },
        });
      } catch (err) {
        throw backendError('TokenReview', err);
      }
      const status = review.status;
      if (!status?.authenticated || !status.user?.username)
        return { authenticated: false, reason: status?.error || 'the token is not valid for this cluster' };
      return {
        authenticated: true,
        identity: {
          user: status.user.username,
          ...(status.user.uid ? { uid: status.user.uid } : {}),
          groups: status.user.groups ?? [],
          ...(status.user.extra ? { extra: status.user.extra } : {}),
        },
      };
    },

    async authorize(identity: Identity, access: AccessAttributes): Promise<AuthorizationResult> {
      let review: k8s.V1SubjectAccessReview;
      try {
        review = await authorization.createSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: identity.user,
              ...(identity.uid ? { uid: identity.uid } : {}),
              groups: identity.groups,
              ...(identity.extra ? { extra: identity.extra } : {}),
              resourceAttributes: { group: access.group, resource: access.resource, verb: access.verb },
            },
          },
        });
      } catch (err) {
        throw backendError('SubjectAccessReview', err);
      }
      if (review.status?.allowed) return { allowed: true };
      return {
        allowed: false,
        reason:
          `${identity.user} may not ${access.verb} ${access.resource}.${access.group}` +
          (review.status?.reason ? ` (${review.status.reason})` : ''),
      };
    },
  };
}
