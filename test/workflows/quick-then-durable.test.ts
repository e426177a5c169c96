/**
 * Which failures of a local activity send the call on as a regular activity (pure; no server involved):
 * those another attempt may not meet again — not a rejection retrying cannot fix, not a cancellation.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  RetryState,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import { worthRetrying } from '../../src/workflows/quick-then-durable';

const failedActivity = (cause: Error) =>
  new ActivityFailure('activity failed', 'gatherEffectivenessInputs', '1', RetryState.TIMEOUT, 'worker', cause);

describe('worthRetrying', () => {
  it('sends on a call whose attempts ran out of time or met a transient error', () => {
    expect(
      worthRetrying(failedActivity(new TimeoutFailure('timed out', undefined, TimeoutType.SCHEDULE_TO_CLOSE))),
    ).toBe(true);
    expect(worthRetrying(failedActivity(ApplicationFailure.retryable('connect ECONNREFUSED', 'Error')))).toBe(true);
    // The shape a local activity's spent attempts reach the workflow in: the last failure itself.
    expect(worthRetrying(ApplicationFailure.retryable('connect ECONNREFUSED', 'DataStorageError'))).toBe(true);
    expect(worthRetrying(new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE))).toBe(true);
  });

  it('does not repeat a rejection retrying cannot fix', () => {
    expect(
      worthRetrying(failedActivity(ApplicationFailure.nonRetryable('score must be in [0, 1]', 'DataStorageRejected'))),
    ).toBe(false);
    expect(worthRetrying(ApplicationFailure.nonRetryable('score must be in [0, 1]', 'DataStorageRejected'))).toBe(
      false,
    );
  });

  it('does not repeat a cancelled call, nor anything that is not an activity failure', () => {
    expect(worthRetrying(failedActivity(new CancelledFailure('cancelled')))).toBe(false);
    expect(worthRetrying(new CancelledFailure('cancelled'))).toBe(false);
    expect(worthRetrying(new Error('a bug in workflow code'))).toBe(false);
  });
});
