/**
 * The demo's trace (issue #15): the trace id of the remediation, read from where Temporal's OpenTelemetry
 * interceptors put it — the `_tracer-data` header of the workflow's start, written by the watcher's
 * traced start — and, when the demo's own OTLP receiver collected the spans, the span tree.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { ReceivedSpan } from './otlp-receiver';

type Say = (line?: string) => void;

/** The trace a workflow belongs to (its start's traceparent), or undefined when it was started untraced. */
export async function workflowTraceId(client: Client, workflowId: string): Promise<string | undefined> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const header = history.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields?.['_tracer-data'];
  if (!header) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: string }>(header);
  return /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(carrier.traceparent ?? '')?.[1];
}

const SERVICE_LABELS: Record<string, string> = { 'kubernaut-watcher': 'watcher', 'kubernaut-worker': 'worker' };

/**
 * The spans of one trace as an indented tree, in start order. Leaf siblings of the same name (the status
 * writes of the waiting activity, a transaction's queries) are folded into one line with their count.
 */
export function traceTree(spans: ReceivedSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const s of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const lines: string[] = [];
  const label = (s: ReceivedSpan) => `[${SERVICE_LABELS[s.service] ?? s.service}]`;
  const visit = (parent: string | undefined, depth: number) => {
    const list = children.get(parent) ?? [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const leaf = !children.has(s.spanId);
      let count = 1;
      while (leaf && list[i + count]?.name === s.name && !children.has(list[i + count]!.spanId)) count++;
      const ms = list.slice(i, i + count).reduce((sum, x) => sum + (x.endMs - x.startMs), 0);
      const what = `${s.name}${count > 1 ? ` ×${count}` : ''}`;
      lines.push(`${'  '.repeat(depth)}${what.padEnd(Math.max(1, 56 - 2 * depth))} ${label(s).padEnd(9)} ${ms} ms`);
      if (!leaf) visit(s.spanId, depth + 1);
      i += count - 1;
    }
  };
  visit(undefined, 0);
  return lines;
}

export function printTrace(
  say: Say,
  t: { traceId: string | undefined; spans?: ReceivedSpan[]; externalEndpoint?: string; why?: string },
): void {
  if (!t.traceId) {
    say(`  the workflow carries no trace${t.why ? `: ${t.why}` : ''}`);
    return;
  }
  say(`  trace id: ${t.traceId}`);
  if (t.externalEndpoint) {
    say(
      `  exported to ${t.externalEndpoint} (OTEL_EXPORTER_OTLP_ENDPOINT); in Jaeger: http://localhost:16686/trace/${t.traceId}`,
    );
    return;
  }
  if (!t.spans?.length) return;
  say(`  ${t.spans.length} spans received by the demo's OTLP receiver:`);
  for (const line of traceTree(t.spans)) say(`    ${line}`);
}
