/** Plain-text tables of API answers, for people at a terminal (the CLI and the demo). */
import type { ActionRecordPage, ActionStatistics, AssessmentPage } from './client';

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const duration = (ms: number | null) => (ms === null ? '-' : ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`);

export function formatActionRecords(page: Pick<ActionRecordPage, 'records'>): string[] {
  if (page.records.length === 0) return ['no action records'];
  return table(
    ['EXECUTION START', 'TARGET', 'ACTION TYPE', 'STEP', 'STATUS', 'DURATION', 'REASON', 'WORKFLOW EXECUTION'],
    page.records.map((r) => [
      when(r.executionStartedAt),
      r.target,
      r.actionType,
      r.stepName,
      r.status,
      duration(r.durationMs),
      r.failureReason ?? '',
      `${r.wfeNamespace}/${r.wfeName}`,
    ]),
  );
}

export function formatStatistics(s: ActionStatistics): string[] {
  const head = `${s.window.days} days ${when(s.window.since)} .. ${when(s.window.until)}${s.target ? `, target ${s.target}` : ''}`;
  if (s.byActionType.length === 0) return [head, 'no action records'];
  return [
    head,
    ...table(
      ['ACTION TYPE', 'TOTAL', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED', 'EXECUTING', 'SUCCESS RATE', 'DAYS'],
      [
        ...s.byActionType.map((t) => [
          t.actionType,
          String(t.total),
          String(t.counts.succeeded),
          String(t.counts.failed),
          String(t.counts.cancelled),
          String(t.counts.skipped),
          String(t.counts.executing),
          percent(t.successRate),
          String(t.daily.length),
        ]),
        [
          'all',
          String(s.totals.total),
          String(s.totals.counts.succeeded),
          String(s.totals.counts.failed),
          String(s.totals.counts.cancelled),
          String(s.totals.counts.skipped),
          String(s.totals.counts.executing),
          percent(s.totals.successRate),
          '',
        ],
      ],
    ),
  ];
}

export function formatAssessments(page: Pick<AssessmentPage, 'assessments'>): string[] {
  if (page.assessments.length === 0) return ['no effectiveness assessments'];
  return table(
    ['ASSESSED', 'REMEDIATION', 'TARGET', 'STATUS', 'SCORE', 'CONFIDENCE', 'TREND', 'SAMPLE'],
    page.assessments.map((a) => [
      when(a.assessedAt),
      a.remediationId,
      a.target,
      a.status,
      a.score?.toFixed(2) ?? '-',
      a.confidence?.toFixed(2) ?? '-',
      a.trend,
      String(a.sampleSize),
    ]),
  );
}
