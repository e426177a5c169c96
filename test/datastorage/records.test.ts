import type { z } from 'zod';
import {
  EffectivenessAssessmentSchema,
  ExecutingActionRecordBatchSchema,
  FinishedActionRecordBatchSchema,
  MAX_BATCH_ROWS,
} from '../../src/datastorage/records';
import { problemsOf } from '../../src/datastorage/validation';
import type { EffectivenessAssessment } from '../../src/domain/effectiveness/scoring';
import { LIMITS } from '../../src/domain/workflow-execution';
import { DAY, iso, outcome, wfeRecords } from './fixtures';

const START = '2026-01-15T10:00:00Z';
const STEP = [{ name: 'restart', actionType: 'kubernetes/restart_pod' }];

function problems(schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown) {
  const r = schema.safeParse(value);
  return r.success ? [] : problemsOf(r.error as Parameters<typeof problemsOf>[0]);
}

describe('action record schemas', () => {
  it('accept RFC 3339 strings and Dates for the same instant', () => {
    const [row] = wfeRecords({ executionStartedAt: START, steps: STEP });
    const parsed = ExecutingActionRecordBatchSchema.parse([
      row,
      { ...row!, stepName: 'verify', executionStartedAt: new Date(START) },
    ]);
    expect(parsed.map((r) => r.executionStartedAt.toISOString())).toEqual([
      '2026-01-15T10:00:00.000Z',
      '2026-01-15T10:00:00.000Z',
    ]);
  });

  it.each([
    ['a date without offset', '2026-01-15T10:00:00'],
    ['a date only', '2026-01-15'],
    ['an impossible date', '2026-13-45T10:00:00Z'],
    ['a number', 1768471200000],
  ])('reject %s as execution start', (_what, value) => {
    const [row] = wfeRecords({ executionStartedAt: START, steps: STEP });
    expect(problems(ExecutingActionRecordBatchSchema, [{ ...row, executionStartedAt: value }])).toEqual([
      { path: '$[0].executionStartedAt', message: expect.stringContaining('RFC 3339') },
    ]);
  });

  it('reject the same step twice in one batch', () => {
    const [row] = wfeRecords({ executionStartedAt: START, steps: STEP });
    expect(problems(ExecutingActionRecordBatchSchema, [row, row])).toEqual([
      { path: '$[1].stepName', message: expect.stringContaining('duplicates step restart') },
    ]);
  });

  it(`reject batches over ${MAX_BATCH_ROWS} rows`, () => {
    const [row] = wfeRecords({ executionStartedAt: START, steps: STEP });
    const rows = Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => ({ ...row!, stepName: `s${i}` }));
    expect(problems(ExecutingActionRecordBatchSchema, rows)).toEqual([
      { path: '$', message: `must hold at most ${MAX_BATCH_ROWS} rows` },
    ]);
  });

  it('reject step inputs that serialise to more than the 64 KiB an action accepts', () => {
    const [row] = wfeRecords({ executionStartedAt: START, steps: STEP });
    // {"blob":"…"} is 11 bytes of JSON around the string.
    const inputsOf = (bytes: number) => ({ blob: 'x'.repeat(bytes - 11) });
    expect(LIMITS.maxInputsBytes).toBe(64 * 1024);
    expect(problems(ExecutingActionRecordBatchSchema, [{ ...row, inputs: inputsOf(64 * 1024) }])).toEqual([]);
    expect(problems(ExecutingActionRecordBatchSchema, [{ ...row, inputs: inputsOf(64 * 1024 + 1) }])).toEqual([
      { path: '$[0].inputs', message: expect.stringContaining('65536 bytes') },
    ]);
  });

  it('require a completion time and accept a missing start for skipped steps', () => {
    const [row] = wfeRecords({ executionStartedAt: START, steps: STEP });
    const skipped = outcome(row!, 'skipped', { startedAt: null });
    expect(problems(FinishedActionRecordBatchSchema, [skipped])).toEqual([]);
    const { completedAt: _c, ...noCompletion } = skipped;
    expect(problems(FinishedActionRecordBatchSchema, [noCompletion])).toEqual([
      { path: '$[0].completedAt', message: expect.stringContaining('RFC 3339') },
    ]);
  });

  it('reject negative durations and fractional exit codes', () => {
    const [row] = wfeRecords({ executionStartedAt: iso(Date.parse(START) - DAY), steps: STEP });
    const bad = outcome(row!, 'failed', { durationMs: -5, exitCode: 1.5 });
    expect(
      problems(FinishedActionRecordBatchSchema, [bad])
        .map((p) => p.path)
        .sort(),
    ).toEqual(['$[0].durationMs', '$[0].exitCode']);
  });
});

describe('EffectivenessAssessmentSchema', () => {
  it('accepts the effectiveness scorer’s output type as is', () => {
    // Compile-time contract: the scorer's output is a valid persistAssessment input.
    const fromScorer = (a: EffectivenessAssessment): z.input<typeof EffectivenessAssessmentSchema> => a;
    expect(typeof fromScorer).toBe('function');
  });

  it('rejects a window that ends before it starts', () => {
    const a = {
      remediationId: 'prod/rr-1',
      target: 'prod/Deployment/web',
      actionTypes: [],
      assessedAt: START,
      window: { since: START, until: '2026-01-01T00:00:00Z' },
      status: 'assessed',
      score: 0.5,
      confidence: 0.5,
      trend: 'stable',
      sampleSize: 0,
      dataAgeMs: 0,
    };
    expect(problems(EffectivenessAssessmentSchema, a)).toEqual([
      { path: '$.window.since', message: 'window.since must not be after window.until' },
    ]);
  });
});
