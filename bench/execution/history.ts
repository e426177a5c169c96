/**
 * What a WorkflowExecution costs Temporal, read from its workflow history: events, and the Temporal Cloud
 * Actions they stand for (the unit Temporal Cloud bills and rate-limits), counted as its docs describe
 * them (https://docs.temporal.io/cloud/actions):
 *
 * | history                                             | Actions                                        |
 * |-----------------------------------------------------|------------------------------------------------|
 * | WorkflowExecutionStarted                            | 1                                              |
 * | ActivityTaskScheduled                               | 1, and 1 per retry (the attempt it started as) |
 * | activity heartbeats (not in history)                | estimated: activity run time / the SDK's heartbeat throttle (0.8 × heartbeat timeout, at most 60 s) |
 * | local activities                                    | 1 per workflow task that ran any               |
 * | TimerStarted, UpsertWorkflowSearchAttributes, other markers (patch/version), WorkflowExecutionSignaled, SignalExternalWorkflowExecutionInitiated, StartChildWorkflowExecutionInitiated | 1 each |
 *
 * The monitor's signal (signalWithStart from an activity) lands in the monitor's history, not this one:
 * `monitorSignal` adds the 1 Action it costs per WFE.
 */
import type { Client } from '@temporalio/client';
import { workflowExecutionWorkflowId } from '../../src/domain/names';

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

export interface HistoryCost {
  events: number;
  actions: number;
  byEventType: Record<string, number>;
  actionsByKind: Record<string, number>;
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const MAX_HEARTBEAT_THROTTLE_MS = 60_000;

const millis = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
const durationMs = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  d ? Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6) : 0;

/** Events and Actions of one history (pure). */
export function historyCost(events: HistoryEvent[]): HistoryCost {
  const byEventType: Record<string, number> = {};
  const actions: Record<string, number> = {};
  const add = (kind: string, n = 1) => (actions[kind] = (actions[kind] ?? 0) + n);
  const scheduled = new Map<string, { at: number; heartbeatTimeoutMs: number }>();
  let localActivitiesInTask = false;
  for (const e of events) {
    const type = eventTypeName(e);
    byEventType[type] = (byEventType[type] ?? 0) + 1;
    if (e.workflowExecutionStartedEventAttributes) add('workflowStarted');
    if (e.activityTaskScheduledEventAttributes) {
      add('activities');
      scheduled.set(String(e.eventId), {
        at: millis(e),
        heartbeatTimeoutMs: durationMs(e.activityTaskScheduledEventAttributes.heartbeatTimeout),
      });
    }
    if (e.activityTaskStartedEventAttributes)
      add('activities', Math.max(0, (e.activityTaskStartedEventAttributes.attempt ?? 1) - 1));
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (closed) {
      const s = scheduled.get(String(closed.scheduledEventId));
      if (s && s.heartbeatTimeoutMs > 0) {
        const throttle = Math.min(0.8 * s.heartbeatTimeoutMs, MAX_HEARTBEAT_THROTTLE_MS);
        add('heartbeatsEstimated', Math.floor((millis(e) - s.at) / throttle));
      }
    }
    if (e.markerRecordedEventAttributes) {
      if (e.markerRecordedEventAttributes.markerName === LOCAL_ACTIVITY_MARKER) localActivitiesInTask = true;
      else add('markers');
    }
    if (e.workflowTaskCompletedEventAttributes || e.workflowTaskScheduledEventAttributes) {
      if (localActivitiesInTask) add('localActivities');
      localActivitiesInTask = false;
    }
    if (e.timerStartedEventAttributes) add('timers');
    if (e.upsertWorkflowSearchAttributesEventAttributes) add('searchAttributes');
    if (e.workflowExecutionSignaledEventAttributes) add('signals');
    if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) add('signals');
    if (e.startChildWorkflowExecutionInitiatedEventAttributes) add('childWorkflows');
  }
  if (localActivitiesInTask) add('localActivities');
  return {
    events: events.length,
    actions: Object.values(actions).reduce((a, b) => a + b, 0),
    byEventType,
    actionsByKind: actions,
  };
}

function eventTypeName(e: HistoryEvent): string {
  const attributes = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]);
  return attributes ? attributes.replace(/EventAttributes$/, '').replace(/^./, (c) => c.toUpperCase()) : 'Unknown';
}

export interface HistoryFigures {
  workflowExecutions: number;
  eventsPerWorkflowExecution: { median: number; max: number };
  /** Temporal Cloud Actions per WFE (median), including the monitor's signal. */
  actionsPerWorkflowExecution: { median: number; max: number };
  /** One typical history (the median one by events): which events and which Actions. */
  typical: { byEventType: Record<string, number>; actionsByKind: Record<string, number> };
}

/** Reads the histories of `executions` (by WFE namespace/name/uid) and summarizes them. */
export async function historyFigures(
  client: Client,
  executions: { namespace: string; name: string; uid: string }[],
): Promise<HistoryFigures | undefined> {
  const costs: HistoryCost[] = [];
  for (const x of executions) {
    const { events } = await client.workflow.getHandle(workflowExecutionWorkflowId(x)).fetchHistory();
    const cost = historyCost(events ?? []);
    cost.actionsByKind.monitorSignal = 1;
    cost.actions += 1;
    costs.push(cost);
  }
  if (costs.length === 0) return undefined;
  const byEvents = [...costs].sort((a, b) => a.events - b.events);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  const typical = byEvents[Math.floor((byEvents.length - 1) / 2)]!;
  return {
    workflowExecutions: costs.length,
    eventsPerWorkflowExecution: {
      median: median(costs.map((c) => c.events)),
      max: byEvents[byEvents.length - 1]!.events,
    },
    actionsPerWorkflowExecution: {
      median: median(costs.map((c) => c.actions)),
      max: Math.max(...costs.map((c) => c.actions)),
    },
    typical: { byEventType: typical.byEventType, actionsByKind: typical.actionsByKind },
  };
}
