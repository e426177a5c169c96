/**
 * For the outage tests: a workflow's call has gone on from its local attempts to a regular activity, and the
 * server retries it without adding history events (src/workflows/quick-then-durable.ts).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { eventually } from '../../support/stack';

export interface RegularActivityRetries {
  /** The activity type of the one activity the workflow scheduled. */
  activityType: string | null | undefined;
  /** The workflow's history length when it was scheduled, and once the server reached `attempt`. */
  historyLength: { whenScheduled: number; atAttempt: number };
}

/** Waits until `handle` has scheduled one regular activity and the server retries it to `attempt`. */
export async function regularActivityRetries(
  handle: WorkflowHandle,
  attempt: number,
  timeoutMs: number,
): Promise<RegularActivityRetries> {
  const scheduled = await eventually(
    'a call scheduled as a regular activity',
    async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const activities = events.filter((e) => e.activityTaskScheduledEventAttributes);
      return activities.length === 1 ? activities[0].activityTaskScheduledEventAttributes : undefined;
    },
    timeoutMs,
  );
  const whenScheduled = (await handle.describe()).historyLength;
  await eventually(
    `attempt ${attempt} of the regular activity`,
    async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some((a) => (a.attempt ?? 0) >= attempt) ? true : undefined;
    },
    timeoutMs,
  );
  return {
    activityType: scheduled?.activityType?.name,
    historyLength: { whenScheduled, atAttempt: (await handle.describe()).historyLength },
  };
}
