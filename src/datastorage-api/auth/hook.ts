/**
 * The authentication and authorization step of every API route, as a fastify onRequest hook: routes
 * that declare `config.access` (access.ts) require a bearer token whose user the reviewer accepts (else
 * 401) and allows the route's verb on its virtual resource (else 403). A reviewer that cannot decide
 * makes the request a 503 with Retry-After. Routes without `config.access` (health, metrics, the OpenAPI
 * document) are open.
 */
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../problems';
import { AuthBackendError, bearerToken, type AccessAttributes, type AccessReviewer, type Identity } from './access';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the caller must be allowed to do; the route is open when absent. */
    access?: AccessAttributes;
  }
  interface FastifyRequest {
    identity?: Identity;
  }
}

const REALM = 'Bearer realm="kubernaut-datastorage"';

export interface AuthHookOptions {
  reviewer: AccessReviewer;
  retryAfterSeconds: number;
  /** Told about every decision (metrics). */
  onDecision?: (outcome: 'allowed' | 'unauthenticated' | 'forbidden' | 'unavailable') => void;
}

export function authHook(o: AuthHookOptions) {
  const unavailable = (err: AuthBackendError) =>
    new ProblemError('unavailable', `cannot check the token right now (${err.message}); retry later`, {
      headers: { 'retry-after': String(o.retryAfterSeconds) },
    });
  const decided = <T>(outcome: Parameters<NonNullable<AuthHookOptions['onDecision']>>[0], value: T): T => {
    o.onDecision?.(outcome);
    return value;
  };

  return async function authenticateAndAuthorize(request: FastifyRequest): Promise<void> {
    const access = request.routeOptions.config.access;
    if (!access) return;
    const bearer = bearerToken(request.headers.authorization);
    if ('reason' in bearer)
      throw decided(
        'unauthenticated',
        new ProblemError('unauthenticated', bearer.reason, { headers: { 'www-authenticate': REALM } }),
      );
    try {
      const authn = await o.reviewer.authenticate(bearer.token);
      if (!authn.authenticated)
        throw decided(
          'unauthenticated',
          new ProblemError('unauthenticated', `the bearer token is not accepted: ${authn.reason}`, {
            headers: { 'www-authenticate': `${REALM}, error="invalid_token"` },
          }),
        );
      request.identity = authn.identity;
      const authz = await o.reviewer.authorize(authn.identity, access);
      if (!authz.allowed) throw decided('forbidden', new ProblemError('forbidden', authz.reason));
      o.onDecision?.('allowed');
    } catch (err) {
      if (err instanceof AuthBackendError) {
        request.log.warn({ err }, 'access review failed');
        throw decided('unavailable', unavailable(err));
      }
      throw err;
    }
  };
}
