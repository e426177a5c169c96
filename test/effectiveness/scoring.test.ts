import type { ActionVerdict } from '../../src/domain/action-outcomes';
import {
  ActionHistorySummary,
  EffectivenessInputs,
  confidenceFor,
  historyStatus,
  recurrenceOf,
  scoreEffectiveness,
  traditionalScore,
  trendOf,
} from '../../src/domain/effectiveness/scoring';

const DAY = 24 * 60 * 60 * 1000;
const WEEK = 7 * DAY;
const NOW = '2025-10-01T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);

function ago(ms: number): string {
  return new Date(NOW_MS - ms).toISOString();
}

function outcomes(pattern: string): ActionVerdict[] {
  // 'S' = succeeded, 'F' = failed; newest first.
  return [...pattern].map((c) => (c === 'S' ? 'succeeded' : 'failed'));
}

function history(h: Partial<ActionHistorySummary>): ActionHistorySummary {
  return { succeeded: 0, failed: 0, oldestRecordAt: null, latestOutcomes: [], ...h };
}

function inputs(overrides: Partial<EffectivenessInputs> = {}): EffectivenessInputs {
  return {
    remediationId: 'rr-uid-1',
    target: 'prod/Deployment/web',
    actionTypes: ['kubernetes/restart_pod'],
    assessedAt: NOW,
    combined: history({}),
    byActionType: {},
    recentRemediationsByActionType: {},
    ...overrides,
  };
}

describe('traditionalScore', () => {
  it.each([
    { succeeded: 0, failed: 0, score: 0.5, why: 'no history: no opinion' },
    { succeeded: 3, failed: 1, score: 0.75, why: 'succeeded over finished' },
    { succeeded: 0, failed: 4, score: 0, why: 'all failed' },
    { succeeded: 7, failed: 0, score: 1, why: 'all succeeded' },
  ])('is $score with $succeeded succeeded and $failed failed ($why)', ({ succeeded, failed, score }) => {
    expect(traditionalScore({ succeeded, failed })).toBe(score);
  });
});

describe('historyStatus', () => {
  it.each([
    { age: 0, label: 'no time span', status: 'insufficient_data' },
    { age: 8 * WEEK - 1, label: '8 weeks − 1 ms', status: 'insufficient_data' },
    { age: 8 * WEEK, label: 'exactly 8 weeks', status: 'assessed' },
    { age: 13 * WEEK, label: '13 weeks', status: 'assessed' },
  ])('is $status with $label of data', ({ age, status }) => {
    expect(historyStatus(age)).toBe(status);
  });
});

describe('confidenceFor', () => {
  it.each([
    { age: 0, actions: 0, confidence: 0.5, rule: 'base' },
    { age: 8 * WEEK - 1, actions: 50, confidence: 0.5, rule: 'just under 8 weeks stays at base' },
    { age: 8 * WEEK, actions: 50, confidence: 0.8, rule: 'exactly 8 weeks' },
    { age: 12 * WEEK - 1, actions: 50, confidence: 0.8, rule: 'just under 12 weeks' },
    { age: 12 * WEEK, actions: 50, confidence: 0.9, rule: 'exactly 12 weeks' },
    { age: 8 * WEEK, actions: 100, confidence: 0.8, rule: '100 actions is not "over 100"' },
    { age: 8 * WEEK, actions: 101, confidence: 0.85, rule: '101 actions adds 0.05' },
    { age: 0, actions: 101, confidence: 0.55, rule: 'the bonus applies under 8 weeks too' },
    { age: 12 * WEEK, actions: 101, confidence: 0.95, rule: 'top of the ladder reaches the cap exactly' },
    { age: 90 * DAY, actions: 100_000, confidence: 0.95, rule: 'never above the cap' },
  ])('is $confidence: $rule', ({ age, actions, confidence }) => {
    expect(confidenceFor(age, actions)).toBe(confidence);
  });
});

describe('trendOf', () => {
  const five = (v: number) => [v, v, v, v, v];

  it.each([
    { values: [], trend: 'insufficient_data', rule: 'no outcomes' },
    { values: [...five(1), 0, 0, 0, 0], trend: 'insufficient_data', rule: '9 outcomes are not enough' },
    { values: [...five(1), ...five(0)], trend: 'improving', rule: 'all newest succeeded, all older failed' },
    { values: [...five(0), ...five(1)], trend: 'declining', rule: 'the reverse' },
    { values: [...five(1), ...five(1)], trend: 'stable', rule: 'no change' },
    {
      values: [...five(0.5), ...five(0.4)],
      trend: 'improving',
      rule: 'exactly +0.1 (0.5 − 0.4 is 0.0999… in floating point)',
    },
    { values: [...five(0.4), ...five(0.5)], trend: 'declining', rule: 'exactly −0.1' },
    { values: [...five(0.3), ...five(0.2)], trend: 'improving', rule: 'exactly +0.1 (0.3 − 0.2 is 0.0999…)' },
    { values: [...five(0.7), ...five(0.8)], trend: 'declining', rule: 'exactly −0.1 (0.7 − 0.8 is −0.1000…1)' },
    { values: [...five(0.59), ...five(0.5)], trend: 'stable', rule: 'just under +0.1' },
    { values: [...five(0.41), ...five(0.5)], trend: 'stable', rule: 'just above −0.1' },
    { values: [1, 1, 1, 0, 0, 1, 1, 0, 0, 0], trend: 'improving', rule: 'binary outcomes: 0.6 vs 0.4' },
    { values: [1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0], trend: 'stable', rule: 'only the newest 10 count' },
  ])('is $trend: $rule', ({ values, trend }) => {
    expect(trendOf(values)).toBe(trend);
  });
});

describe('recurrenceOf', () => {
  const restart = 'kubernetes/restart_pod';

  it('does not flag a target remediated twice in the window (the assessed remediation included)', () => {
    expect(recurrenceOf('rr-3', [restart], { [restart]: ['rr-1'] })).toEqual([]);
  });
  it('flags a target remediated 3 times with the same action type', () => {
    expect(recurrenceOf('rr-3', [restart], { [restart]: ['rr-1', 'rr-2'] })).toEqual([
      { actionType: restart, remediations: 3 },
    ]);
  });
  it('counts the assessed remediation once when the records already list it', () => {
    expect(recurrenceOf('rr-2', [restart], { [restart]: ['rr-1', 'rr-2', 'rr-2'] })).toEqual([]);
  });
  it('counts each action type separately', () => {
    const findings = recurrenceOf('rr-3', [restart, 'gitops/create_pr'], {
      [restart]: ['rr-1'],
      'gitops/create_pr': ['rr-2'],
    });
    expect(findings).toEqual([]);
  });
});

describe('scoreEffectiveness', () => {
  it('scores a remediation with no history 0.5, insufficient data, base confidence', () => {
    const a = scoreEffectiveness(inputs());
    expect(a).toMatchObject({
      status: 'insufficient_data',
      score: 0.5,
      confidence: 0.5,
      trend: 'insufficient_data',
      sampleSize: 0,
      recurrence: [],
    });
    expect(a.byActionType['kubernetes/restart_pod']).toMatchObject({ score: 0.5, status: 'insufficient_data' });
  });

  it('assesses exactly 8 weeks of history with the 8-week confidence', () => {
    const combined = history({
      succeeded: 9,
      failed: 3,
      oldestRecordAt: ago(8 * WEEK),
      latestOutcomes: outcomes('SSSFSSSSFSFF'),
    });
    const a = scoreEffectiveness(inputs({ combined, byActionType: { 'kubernetes/restart_pod': combined } }));
    expect(a).toMatchObject({ status: 'assessed', score: 0.75, confidence: 0.8, trend: 'stable', sampleSize: 12 });
  });

  it('reports the trend of the combined history', () => {
    const combined = history({
      succeeded: 5,
      failed: 5,
      oldestRecordAt: ago(13 * WEEK),
      latestOutcomes: outcomes('SSSSSFFFFF'),
    });
    expect(scoreEffectiveness(inputs({ combined })).trend).toBe('improving');
  });

  it('marks a recurring remediation ineffective_loop even when the score is perfect', () => {
    const combined = history({ succeeded: 200, failed: 0, oldestRecordAt: ago(13 * WEEK) });
    const a = scoreEffectiveness(
      inputs({ combined, recentRemediationsByActionType: { 'kubernetes/restart_pod': ['rr-a', 'rr-b'] } }),
    );
    expect(a).toMatchObject({ status: 'ineffective_loop', score: 1, confidence: 0.95 });
    expect(a.recurrence).toEqual([{ actionType: 'kubernetes/restart_pod', remediations: 3 }]);
  });

  it('scores each action type on its own history', () => {
    const good = history({ succeeded: 10, failed: 0, oldestRecordAt: ago(9 * WEEK) });
    const bad = history({ succeeded: 1, failed: 3, oldestRecordAt: ago(2 * WEEK) });
    const a = scoreEffectiveness(
      inputs({
        actionTypes: ['a/good', 'b/bad', 'c/unknown'],
        combined: history({ succeeded: 11, failed: 3, oldestRecordAt: ago(9 * WEEK) }),
        byActionType: { 'a/good': good, 'b/bad': bad },
      }),
    );
    expect(a.byActionType['a/good']).toMatchObject({ score: 1, status: 'assessed', confidence: 0.8 });
    expect(a.byActionType['b/bad']).toMatchObject({ score: 0.25, status: 'insufficient_data', confidence: 0.5 });
    expect(a.byActionType['c/unknown']).toMatchObject({ score: 0.5, sampleSize: 0 });
  });

  it('reads history over the 90 days before the assessment time', () => {
    expect(scoreEffectiveness(inputs()).window).toEqual({ since: ago(90 * DAY), until: NOW });
  });

  it('names the field of a malformed timestamp', () => {
    expect(() => scoreEffectiveness(inputs({ assessedAt: 'yesterday' }))).toThrow(/assessedAt: must be an RFC 3339/);
  });
});

describe('scoreEffectiveness of a remediation that executed nothing', () => {
  // History that would score 1.0 with high confidence and recur into a loop, had the remediation run.
  const wouldLoop = {
    combined: history({ succeeded: 200, failed: 0, oldestRecordAt: ago(13 * WEEK) }),
    byActionType: { 'kubernetes/restart_pod': history({ succeeded: 200, oldestRecordAt: ago(13 * WEEK) }) },
    recentRemediationsByActionType: { 'kubernetes/restart_pod': ['rr-a', 'rr-b', 'rr-c'] },
  };

  it('is not scored: no_execution, no score, no confidence, no recurrence, whatever the history says', () => {
    expect(scoreEffectiveness(inputs({ ...wouldLoop, executedActions: 0 }))).toEqual({
      remediationId: 'rr-uid-1',
      target: 'prod/Deployment/web',
      actionTypes: ['kubernetes/restart_pod'],
      assessedAt: NOW,
      window: { since: ago(90 * DAY), until: NOW },
      status: 'no_execution',
      score: null,
      confidence: null,
      trend: 'insufficient_data',
      sampleSize: 0,
      dataAgeMs: 0,
      recurrence: [],
      byActionType: {},
    });
  });

  it.each([
    ['one action ran', 1],
    ['the count is unknown (inputs gathered before it was counted)', undefined],
  ])('is scored as usual when %s', (_label, executedActions) => {
    expect(scoreEffectiveness(inputs({ ...wouldLoop, executedActions }))).toMatchObject({
      status: 'ineffective_loop',
      score: 1,
    });
  });
});
