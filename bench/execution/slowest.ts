/**
 * Why the slowest executions of a phase were slow: for the WFEs with the largest (a) and (b) latencies, the
 * longest activities of their workflow histories (scheduled → closed, with the attempt that succeeded) and
 * the longest workflow task. A queue shows as long schedule-to-start everywhere; a lost or hanging call as
 * one activity near its start-to-close timeout or with attempt > 1.
 */
import type { Client } from '@temporalio/client';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import type { Launched } from './launch';
import type { ExecutionTimeline } from './observer';

export interface SlowExecution {
  workflowExecution: string;
  startToPipelineRunCreatedMs?: number;
  pipelineRunFinishedToTerminalMs?: number;
  longestActivities: { type: string; ms: number; attempt: number }[];
  longestWorkflowTaskMs: number;
}

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

const millis = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);

function summarizeHistory(events: HistoryEvent[]): Pick<SlowExecution, 'longestActivities' | 'longestWorkflowTaskMs'> {
  const scheduled = new Map<string, { type: string; at: number; attempt: number }>();
  const activities: { type: string; ms: number; attempt: number }[] = [];
  let workflowTaskScheduledAt: number | undefined;
  let longestWorkflowTaskMs = 0;
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(id, {
        type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
        at: millis(e),
        attempt: 1,
      });
    }
    if (e.activityTaskStartedEventAttributes) {
      const s = scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (s) s.attempt = e.activityTaskStartedEventAttributes.attempt ?? 1;
    }
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    if (closed) {
      const s = scheduled.get(String(closed.scheduledEventId));
      if (s) activities.push({ type: s.type, ms: millis(e) - s.at, attempt: s.attempt });
    }
    if (e.workflowTaskScheduledEventAttributes) workflowTaskScheduledAt = millis(e);
    if ((e.workflowTaskCompletedEventAttributes || e.workflowTaskTimedOutEventAttributes) && workflowTaskScheduledAt) {
      longestWorkflowTaskMs = Math.max(longestWorkflowTaskMs, millis(e) - workflowTaskScheduledAt);
    }
  }
  return { longestActivities: activities.sort((a, b) => b.ms - a.ms).slice(0, 3), longestWorkflowTaskMs };
}

export async function explainSlowest(
  client: Client,
  namespace: string,
  launched: Launched[],
  timelines: Map<string, ExecutionTimeline>,
  perLatency = 2,
): Promise<SlowExecution[]> {
  const rows = launched.map((l) => {
    const t = timelines.get(l.uid) ?? {};
    return {
      l,
      a: t.pipelineRunCreatedAt !== undefined ? t.pipelineRunCreatedAt - l.startRequestedAt : undefined,
      b:
        t.terminalAt !== undefined && t.pipelineRunFinishedAt !== undefined
          ? t.terminalAt - t.pipelineRunFinishedAt
          : undefined,
    };
  });
  const slowest = (key: 'a' | 'b') =>
    [...rows]
      .sort((x, y) => (y[key] ?? Number.MAX_SAFE_INTEGER) - (x[key] ?? Number.MAX_SAFE_INTEGER))
      .slice(0, perLatency);
  const picked = [...new Set([...slowest('a'), ...slowest('b')])];
  return Promise.all(
    picked.map(async ({ l, a, b }) => {
      const workflowId = l.name && workflowExecutionWorkflowId({ namespace, name: l.name, uid: l.uid });
      const history = workflowId
        ? await client.workflow
            .getHandle(workflowId)
            .fetchHistory()
            .catch(() => undefined)
        : undefined;
      return {
        workflowExecution: l.name ?? l.uid,
        startToPipelineRunCreatedMs: a,
        pipelineRunFinishedToTerminalMs: b,
        ...summarizeHistory(history?.events ?? []),
      };
    }),
  );
}
