import {
  LOCAL_START_LIMIT,
  MONITOR_DEFAULTS,
  MonitorState,
  continueAsNewReason,
  monitorConfig,
  startBatchSize,
  startsLocally,
} from '../../src/domain/effectiveness/monitor-state';
import { RecentSet } from '../../src/domain/effectiveness/recent-set';
import { RemediationTerminal } from '../../src/domain/effectiveness/remediation-terminal';

function terminal(n: number, target = 'prod/Deployment/web'): RemediationTerminal {
  return {
    remediation: { id: `uid-${n}`, namespace: 'prod', name: `rr-${n}` },
    phase: 'Completed',
    target,
    actionTypes: ['kubernetes/restart_pod'],
    endedAt: '2025-10-01T12:00:00Z',
  };
}

describe('RecentSet', () => {
  it('reports a key seen before as a duplicate', () => {
    const set = new RecentSet(3);
    expect(set.add('a')).toBe(true);
    expect(set.add('a')).toBe(false);
  });

  it('forgets the least recently seen key when full', () => {
    const set = new RecentSet(2);
    set.add('a');
    set.add('b');
    set.add('a'); // refreshes a
    set.add('c'); // evicts b
    expect(set.toArray()).toEqual(['a', 'c']);
    expect(set.has('b')).toBe(false);
  });

  it('restores the same order from its array form', () => {
    const set = new RecentSet(3, ['x', 'y', 'z']);
    expect(new RecentSet(3, set.toArray()).toArray()).toEqual(['x', 'y', 'z']);
  });

  it('keeps only the newest keys when restored into a smaller capacity', () => {
    expect(new RecentSet(2, ['x', 'y', 'z']).toArray()).toEqual(['y', 'z']);
  });

  it('rejects a capacity below 1, naming the input', () => {
    expect(() => new RecentSet(0)).toThrow('dedupeCapacity: must be a positive integer, got 0');
  });
});

describe('monitorConfig', () => {
  it('defaults to a 5-minute stabilization window', () => {
    expect(monitorConfig({})).toEqual(MONITOR_DEFAULTS);
    expect(MONITOR_DEFAULTS.stabilizationWindowMs).toBe(5 * 60 * 1000);
  });

  it('names the field of a bad input', () => {
    expect(() => monitorConfig({ continueAsNewAfterSignals: 0 })).toThrow(
      'invalid effectiveness monitor input: $.continueAsNewAfterSignals: must be >= 1',
    );
  });

  it.each([
    [{ dedupeCapacity: '10' }, '$.dedupeCapacity: must be a number'],
    [{ startBatchSize: 2.5 }, '$.startBatchSize: must be an integer'],
    [{ continueAsNewAtHistoryLength: 49 }, '$.continueAsNewAtHistoryLength: must be >= 50'],
    [{ stabilizationWindowMs: 'soon' }, '$.stabilizationWindowMs: Invalid input: expected number, received string'],
    [{ shard: -1 }, '$.shard: Too small: expected number to be >=0'],
    [
      { carried: { run: 2, pending: [{}], recentRemediationIds: [], totals: {} } },
      '$.carried.pending[0].remediation: Invalid input: expected object, received undefined',
    ],
    [
      { carried: { run: 2, pending: [], recentRemediationIds: [7], totals: {} } },
      '$.carried.recentRemediationIds[0]: Invalid input: expected string, received number; ' +
        '$.carried.totals.received: Invalid input: expected number, received undefined',
    ],
  ])('rejects %j: %s', (input, problem) => {
    expect(() => monitorConfig(input as never)).toThrow(problem);
  });
});

describe('startBatchSize', () => {
  const config = monitorConfig({ continueAsNewAtHistoryLength: 400, startBatchSize: 50 });

  it('starts a full batch while there is room under the history limit', () => {
    expect(startBatchSize(10, 0, config)).toBe(50);
  });
  it('starts only what fits (6 events per start) near the limit', () => {
    expect(startBatchSize(340, 0, config)).toBe(10);
  });
  it('reserves room for the completions of assessments still running (4 events each)', () => {
    expect(startBatchSize(340, 6, config)).toBe(6);
  });
  it('still starts one when the limit is reached, so work always progresses', () => {
    expect(startBatchSize(420, 0, config)).toBe(1);
  });
});

describe('startsLocally', () => {
  it('makes a small batch of starts a local activity and a burst a regular one', () => {
    expect(startsLocally(1)).toBe(true);
    expect(startsLocally(LOCAL_START_LIMIT)).toBe(true);
    expect(startsLocally(LOCAL_START_LIMIT + 1)).toBe(false);
    expect(startsLocally(MONITOR_DEFAULTS.startBatchSize)).toBe(false);
  });
});

describe('continueAsNewReason', () => {
  const run = { historyLength: 100, continueAsNewSuggested: false, signalsThisRun: 5 };

  it('keeps going under every limit', () => {
    expect(continueAsNewReason(run, monitorConfig({ continueAsNewAtHistoryLength: 101 }))).toBeUndefined();
  });
  it('follows the server’s suggestion', () => {
    expect(continueAsNewReason({ ...run, continueAsNewSuggested: true }, monitorConfig({}))).toBe('server-suggested');
  });
  it('stops at the history limit', () => {
    expect(continueAsNewReason(run, monitorConfig({ continueAsNewAtHistoryLength: 100 }))).toBe('history-length');
  });
  it('stops after the configured number of signals, when one is configured', () => {
    expect(continueAsNewReason(run, monitorConfig({ continueAsNewAfterSignals: 5 }))).toBe('signal-count');
    expect(continueAsNewReason({ ...run, signalsThisRun: 1_000_000 }, monitorConfig({}))).toBeUndefined();
  });
});

describe('MonitorState', () => {
  it('queues a new remediation and ignores it the second time', () => {
    const s = new MonitorState(10);
    expect(s.accept(terminal(1)).outcome).toBe('queued');
    expect(s.accept(terminal(1)).outcome).toBe('duplicate');
    expect(s.status()).toMatchObject({ queued: 1, signalsThisRun: 2, totals: { received: 2, duplicates: 1 } });
  });

  it('rejects a malformed signal with the problems, without queueing it', () => {
    const s = new MonitorState(10);
    const result = s.accept({ ...terminal(1), phase: 'Running' });
    expect(result).toEqual({
      outcome: 'rejected',
      problems: ['$.phase: must be one of Completed, Failed, TimedOut, Cancelled, Skipped'],
    });
    expect(s.hasQueued()).toBe(false);
  });

  it('lists queued, starting and running assessments', () => {
    const s = new MonitorState(10);
    [1, 2, 3].forEach((n) => s.accept(terminal(n)));
    s.takeBatch(2);
    s.started('uid-1');
    expect(s.pendingAssessments()).toEqual([
      { remediationId: 'uid-3', target: 'prod/Deployment/web', state: 'queued' },
      { remediationId: 'uid-2', target: 'prod/Deployment/web', state: 'starting' },
      { remediationId: 'uid-1', target: 'prod/Deployment/web', state: 'running' },
    ]);
    s.finished('uid-1');
    s.alreadyStarted('uid-2');
    expect(s.pendingAssessments().map((p) => p.remediationId)).toEqual(['uid-3']);
    expect(s.status().totals).toMatchObject({ started: 1, alreadyStarted: 1 });
  });

  it('counts a delayed start (not followed) as started without listing it running', () => {
    const s = new MonitorState(10);
    s.accept(terminal(1));
    s.takeBatch(1);
    s.started('uid-1', { followed: false });
    expect(s.pendingAssessments()).toEqual([]);
    expect(s.status()).toMatchObject({ starting: 0, running: 0, totals: { started: 1 } });
    expect(s.runningCount).toBe(0);
  });

  it('carries queued work, the dedupe memory and totals into the next run', () => {
    const s = new MonitorState(10);
    [1, 2].forEach((n) => s.accept(terminal(n)));
    s.takeBatch(1);
    s.started('uid-1');
    const carried = s.carry();
    expect(carried).toMatchObject({ run: 2, recentRemediationIds: ['uid-1', 'uid-2'] });
    expect(carried.pending.map((r) => r.remediation.id)).toEqual(['uid-2']);

    const next = new MonitorState(10, carried);
    expect(next.accept(terminal(1)).outcome).toBe('duplicate');
    expect(next.status()).toMatchObject({ run: 2, queued: 1, signalsThisRun: 1, totals: { received: 3, started: 1 } });
  });

  it('counts a signal whose stabilization window differs from the one before, duplicates included', () => {
    const s = new MonitorState(10);
    const withWindow = (n: number, ms: number) => ({ ...terminal(n), stabilizationWindowMs: ms });
    expect(s.accept(withWindow(1, 10_000))).toEqual({ outcome: 'queued', remediation: withWindow(1, 10_000) });
    expect(s.accept(withWindow(2, 10_000)).outcome).toBe('queued');
    // The watcher's report of remediation 2, from a watcher left at the default of 5 minutes.
    expect(s.accept(withWindow(2, 300_000))).toEqual({
      outcome: 'duplicate',
      remediationId: 'uid-2',
      windowDisagreement: { remediationId: 'uid-2', windowMs: 300_000, previousWindowMs: 10_000 },
    });
    expect(s.accept(withWindow(3, 10_000))).toMatchObject({
      outcome: 'queued',
      windowDisagreement: { remediationId: 'uid-3', windowMs: 10_000, previousWindowMs: 300_000 },
    });
    s.accept(terminal(4)); // a signal naming no window (older sender) neither agrees nor disagrees
    expect(s.status()).toMatchObject({ stabilizationWindowMs: 10_000, totals: { windowDisagreements: 2 } });
  });

  it('carries the window disagreements and the latest window into the next run', () => {
    const s = new MonitorState(10);
    s.accept({ ...terminal(1), stabilizationWindowMs: 10_000 });
    s.accept({ ...terminal(2), stabilizationWindowMs: 0 });
    const next = new MonitorState(10, s.carry());
    expect(next.status()).toMatchObject({ stabilizationWindowMs: 0, totals: { windowDisagreements: 1 } });
    expect(next.accept({ ...terminal(3), stabilizationWindowMs: 0 })).not.toHaveProperty('windowDisagreement');
  });

  it('reads totals carried by a run that counted no window disagreements yet', () => {
    const carried = {
      run: 4,
      pending: [],
      recentRemediationIds: [],
      totals: { received: 7, duplicates: 1, rejected: 0, started: 6, alreadyStarted: 0 },
    };
    expect(new MonitorState(10, carried).status().totals).toEqual({ ...carried.totals, windowDisagreements: 0 });
  });

  it('refuses to carry state while starts are in flight', () => {
    const s = new MonitorState(10);
    s.accept(terminal(1));
    s.takeBatch(1);
    expect(() => s.carry()).toThrow('in flight');
  });
});
