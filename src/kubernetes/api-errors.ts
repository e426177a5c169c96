/**
 * What a failed Kubernetes API call means for the caller. client-node throws `ApiException` with `.code`
 * (HTTP status) and `.body` (the JSON `Status` as a string); network failures are plain errors.
 */

export interface KubernetesStatus {
  code?: number;
  reason?: string;
  message?: string;
}

export function httpStatusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function kubernetesStatusOf(err: unknown): KubernetesStatus {
  const body = (err as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as KubernetesStatus;
    } catch {
      return { message: body };
    }
  }
  if (body && typeof body === 'object') return body as KubernetesStatus;
  return { code: httpStatusOf(err), message: err instanceof Error ? err.message : String(err) };
}

export const isNotFound = (err: unknown) => httpStatusOf(err) === 404;
export const isConflict = (err: unknown) => httpStatusOf(err) === 409;
export const isAlreadyExists = (err: unknown) =>
  httpStatusOf(err) === 409 && kubernetesStatusOf(err).reason === 'AlreadyExists';

/**
 * Transient: worth retrying as is. Network errors, 5xx, 429 and 409 (conflict on an update) are;
 * other 4xx are not: the request itself is wrong or forbidden and will be again.
 */
export function isTransientKubernetesError(err: unknown): boolean {
  const code = httpStatusOf(err);
  if (code === undefined) return true;
  return code >= 500 || code === 429 || code === 409 || code === 408;
}

export function describeKubernetesError(err: unknown): string {
  const status = kubernetesStatusOf(err);
  const code = httpStatusOf(err);
  return [code ? `HTTP ${code}` : undefined, status.reason, status.message].filter(Boolean).join(': ');
}
