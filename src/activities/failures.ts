/**
 * How activity errors become Temporal failures: transient ones are rethrown as they are (the activity's
 * retry policy retries them with capped backoff), everything that will fail the same way again becomes a
 * non-retryable ApplicationFailure whose type names the problem (src/domain/activity-failures.ts), so the
 * workflow can map it to a WFE reason.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { DataStorageError } from '../datastorage/errors';
import { describeKubernetesError, httpStatusOf, isTransientKubernetesError } from '../kubernetes/api-errors';
import { FAILURE_TYPES } from '../domain/activity-failures';

export function kubernetesFailure(operation: string, err: unknown): Error {
  if (isTransientKubernetesError(err)) {
    return err instanceof Error ? err : new Error(`${operation}: ${describeKubernetesError(err)}`);
  }
  const type = httpStatusOf(err) === 403 ? FAILURE_TYPES.kubernetesForbidden : FAILURE_TYPES.kubernetesRejected;
  return ApplicationFailure.nonRetryable(`${operation}: ${describeKubernetesError(err)}`, type);
}

export function dataStorageFailure(err: unknown): Error {
  if (err instanceof DataStorageError && !err.retryable) {
    return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.dataStorageRejected);
  }
  return err instanceof Error ? err : new Error(String(err));
}
