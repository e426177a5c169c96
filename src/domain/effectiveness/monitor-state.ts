/**
 * The effectiveness monitor's bookkeeping, separated from the workflow so it can be tested as plain code:
 * which remediations were seen (dedupe), which wait for their assessment to be started, which are being
 * started or running, running totals, and what is carried into the next run on continue-as-new.
 *
 * Stabilization window: every sender puts its configured window on each signal, and a remediation is
 * assessed with the window of its first signal. Senders must agree (KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS
 * on every worker and watcher); a signal whose window differs from the one before counts as a window
 * disagreement, which the monitor logs and shows in its status, so a misconfigured process is visible.
 *
 * Pure and deterministic, and free of zod: runs inside the monitor workflow, whose input it checks with
 * payload checks (src/domain/payload-checks.ts).
 */
import { arrayOf, integer, object, string } from '../payload-checks';
import { RecentSet } from './recent-set';
import { checkRemediationTerminal, readRemediationTerminal, type RemediationTerminal } from './remediation-terminal';

export const MONITOR_DEFAULTS = {
  /** DESIGN.md §5: give the cluster 5 minutes to settle before judging a remediation. */
  stabilizationWindowMs: 5 * 60 * 1000,
  /**
   * Remediation ids remembered for dedupe. Carried through continue-as-new (≈ 50–100 bytes each), so it
   * trades payload size for fewer rejected child starts; duplicates usually arrive within minutes.
   */
  dedupeCapacity: 2000,
  /**
   * Continue-as-new once a run's history reaches this many events (the server's own suggestion comes
   * at about 4k events on default settings). It also sizes batches: a run only starts as many
   * assessments as fit under the limit, so a large queue is spread over several runs instead of
   * growing one history. Lower means cheaper replays after a cache eviction but more continue-as-new
   * payloads (queue + dedupe memory) written. Signals can always land, so a burst can overshoot it.
   */
  continueAsNewAtHistoryLength: 2000,
  /** Children started concurrently (one workflow task issues the whole batch). */
  startBatchSize: 100,
} as const;

export interface MonitorTotals {
  received: number;
  duplicates: number;
  rejected: number;
  started: number;
  alreadyStarted: number;
  windowDisagreements: number;
}

export interface CarriedMonitorState {
  /** 1 for the first run, +1 on each continue-as-new. */
  run: number;
  pending: RemediationTerminal[];
  recentRemediationIds: string[];
  /** `windowDisagreements` is absent in what runs before it existed carried. */
  totals: Omit<MonitorTotals, 'windowDisagreements'> & { windowDisagreements?: number };
  /** The stabilization window of the latest signal that named one. */
  lastStabilizationWindowMs?: number;
}

export interface EffectivenessMonitorInput {
  /** Informational: which shard this monitor is (the workflow id already says it). */
  shard?: number;
  /** Window of signals that name none (sent by older code); current senders put theirs on every signal. */
  stabilizationWindowMs?: number;
  dedupeCapacity?: number;
  continueAsNewAtHistoryLength?: number;
  /** Also continue-as-new after this many signals in one run (no default; tests use it for exact CAN points). */
  continueAsNewAfterSignals?: number;
  startBatchSize?: number;
  /** Set by the monitor itself when it continues as new; callers leave it out. */
  carried?: CarriedMonitorState;
}

const count = integer(0);
const positive = integer(1, { number: 'must be a number', integer: 'must be an integer', min: 'must be >= 1' });

const checkCarriedMonitorState = object<CarriedMonitorState>(
  {
    run: integer(1),
    pending: arrayOf(checkRemediationTerminal),
    recentRemediationIds: arrayOf(string()),
    totals: object<CarriedMonitorState['totals']>(
      {
        received: count,
        duplicates: count,
        rejected: count,
        started: count,
        alreadyStarted: count,
        windowDisagreements: count,
      },
      ['windowDisagreements'],
    ),
    lastStabilizationWindowMs: count,
  },
  ['lastStabilizationWindowMs'],
);

const checkEffectivenessMonitorInput = object<EffectivenessMonitorInput>(
  {
    shard: count,
    stabilizationWindowMs: integer(0, { integer: 'must be an integer', min: 'must be >= 0' }),
    dedupeCapacity: positive,
    continueAsNewAtHistoryLength: integer(50, { integer: 'must be an integer', min: 'must be >= 50' }),
    continueAsNewAfterSignals: positive,
    startBatchSize: positive,
    carried: checkCarriedMonitorState,
  },
  [
    'shard',
    'stabilizationWindowMs',
    'dedupeCapacity',
    'continueAsNewAtHistoryLength',
    'continueAsNewAfterSignals',
    'startBatchSize',
    'carried',
  ],
);

export interface MonitorConfig {
  stabilizationWindowMs: number;
  dedupeCapacity: number;
  continueAsNewAtHistoryLength: number;
  continueAsNewAfterSignals: number | undefined;
  startBatchSize: number;
}

export function monitorConfig(input: EffectivenessMonitorInput): MonitorConfig {
  const problems: string[] = [];
  const i = checkEffectivenessMonitorInput(input, '$', problems);
  if (problems.length > 0) throw new Error(`invalid effectiveness monitor input: ${problems.join('; ')}`);
  return {
    stabilizationWindowMs: i.stabilizationWindowMs ?? MONITOR_DEFAULTS.stabilizationWindowMs,
    dedupeCapacity: i.dedupeCapacity ?? MONITOR_DEFAULTS.dedupeCapacity,
    continueAsNewAtHistoryLength: i.continueAsNewAtHistoryLength ?? MONITOR_DEFAULTS.continueAsNewAtHistoryLength,
    continueAsNewAfterSignals: i.continueAsNewAfterSignals,
    startBatchSize: i.startBatchSize ?? MONITOR_DEFAULTS.startBatchSize,
  };
}

/**
 * History events one assessment start costs the monitor, measured on the dev server: child initiated,
 * child started and child completed (when the child ends before the run does), plus the workflow tasks
 * (three events each) that their arrivals cause — often one per arrival in a busy system. A delayed start
 * (DELAYED_ASSESSMENT_STARTS_PATCH) costs a batch one marker and no workflow task of its own, so batches sized
 * for children stay well under the limit.
 */
export const EVENTS_PER_ASSESSMENT_START = 6;
/** Events still to come from a child already started: its completion and the workflow task it causes. */
export const EVENTS_PER_RUNNING_ASSESSMENT = 4;

/**
 * How many assessments to start now so that this run, counting the events its running children will
 * still add, stays under its history limit (at least one, so work always progresses).
 */
export function startBatchSize(historyLength: number, running: number, config: MonitorConfig): number {
  const expected = historyLength + running * EVENTS_PER_RUNNING_ASSESSMENT;
  const room = Math.floor((config.continueAsNewAtHistoryLength - expected) / EVENTS_PER_ASSESSMENT_START);
  return Math.max(1, Math.min(config.startBatchSize, room));
}

/**
 * Most assessment starts one call makes as a local activity, inside the monitor's workflow task. Temporal fails
 * a workflow task when more than 100 events arrive while it runs (its buffered-events limit; cause
 * FORCE_CLOSE_COMMAND), and a retried task makes its local activities again: in bench:effectiveness a burst of
 * signals arrived while a local activity started a batch of 100, and the batch was started twice. A batch this
 * small takes a fraction of a second; a larger one (a burst) is a regular activity, so the workflow task ends at
 * once and the signals keep landing — three events for the whole batch.
 */
export const LOCAL_START_LIMIT = 10;

export function startsLocally(batchSize: number): boolean {
  return batchSize <= LOCAL_START_LIMIT;
}

/** Why a run should end with continue-as-new now, or undefined to keep going. */
export function continueAsNewReason(
  run: { historyLength: number; continueAsNewSuggested: boolean; signalsThisRun: number },
  config: MonitorConfig,
): 'server-suggested' | 'history-length' | 'signal-count' | undefined {
  if (run.continueAsNewSuggested) return 'server-suggested';
  if (run.historyLength >= config.continueAsNewAtHistoryLength) return 'history-length';
  if (config.continueAsNewAfterSignals !== undefined && run.signalsThisRun >= config.continueAsNewAfterSignals) {
    return 'signal-count';
  }
  return undefined;
}

/** A signal's window differs from the window of the signal before it: two senders are configured differently. */
export interface WindowDisagreement {
  remediationId: string;
  windowMs: number;
  previousWindowMs: number;
}

export type AcceptOutcome =
  | { outcome: 'queued'; remediation: RemediationTerminal; windowDisagreement?: WindowDisagreement }
  | { outcome: 'duplicate'; remediationId: string; windowDisagreement?: WindowDisagreement }
  | { outcome: 'rejected'; problems: string[] };

export type AssessmentState = 'queued' | 'starting' | 'running';

export interface PendingAssessment {
  remediationId: string;
  target: string;
  state: AssessmentState;
}

export interface MonitorStatus {
  run: number;
  signalsThisRun: number;
  queued: number;
  starting: number;
  running: number;
  remembered: number;
  /** The stabilization window of the latest signal that named one. */
  stabilizationWindowMs?: number;
  totals: MonitorTotals;
}

export class MonitorState {
  private readonly queue: RemediationTerminal[];
  private readonly seen: RecentSet;
  private readonly starting = new Map<string, RemediationTerminal>();
  private readonly running = new Map<string, RemediationTerminal>();
  readonly totals: MonitorTotals;
  readonly run: number;
  signalsThisRun = 0;
  private lastWindowMs: number | undefined;

  constructor(capacity: number, carried?: CarriedMonitorState) {
    this.run = carried?.run ?? 1;
    this.queue = [...(carried?.pending ?? [])];
    this.seen = new RecentSet(capacity, carried?.recentRemediationIds ?? []);
    const totals = carried?.totals ?? { received: 0, duplicates: 0, rejected: 0, started: 0, alreadyStarted: 0 };
    this.totals = { ...totals, windowDisagreements: totals.windowDisagreements ?? 0 };
    this.lastWindowMs = carried?.lastStabilizationWindowMs;
  }

  /** A `remediationTerminal` signal arrived: validate, dedupe by remediation id, queue. */
  accept(raw: unknown): AcceptOutcome {
    this.signalsThisRun += 1;
    this.totals.received += 1;
    const read = readRemediationTerminal(raw);
    if (!read.ok) {
      this.totals.rejected += 1;
      return { outcome: 'rejected', problems: read.problems };
    }
    const remediation = read.value;
    const windowDisagreement = this.compareWindow(remediation);
    const disagreement = windowDisagreement && { windowDisagreement };
    if (!this.seen.add(remediation.remediation.id)) {
      this.totals.duplicates += 1;
      return { outcome: 'duplicate', remediationId: remediation.remediation.id, ...disagreement };
    }
    this.queue.push(remediation);
    return { outcome: 'queued', remediation, ...disagreement };
  }

  /** Duplicates count too: the worker's and the watcher's reports of one remediation are the likeliest pair. */
  private compareWindow(r: RemediationTerminal): WindowDisagreement | undefined {
    const windowMs = r.stabilizationWindowMs;
    if (windowMs === undefined) return undefined;
    const previousWindowMs = this.lastWindowMs;
    this.lastWindowMs = windowMs;
    if (previousWindowMs === undefined || previousWindowMs === windowMs) return undefined;
    this.totals.windowDisagreements += 1;
    return { remediationId: r.remediation.id, windowMs, previousWindowMs };
  }

  /** Assessments this run started that have not finished yet. */
  get runningCount(): number {
    return this.running.size;
  }

  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  /** Moves up to `n` queued remediations to `starting`, oldest first. */
  takeBatch(n: number): RemediationTerminal[] {
    const batch = this.queue.splice(0, n);
    for (const r of batch) this.starting.set(r.remediation.id, r);
    return batch;
  }

  /**
   * This run started the assessment. A child (`followed`, runs begun before delayed starts) is `running` until
   * `finished` is called; a delayed start is not followed — the monitor hears nothing more of it.
   */
  started(remediationId: string, { followed }: { followed: boolean } = { followed: true }): void {
    const r = this.starting.get(remediationId);
    this.starting.delete(remediationId);
    this.totals.started += 1;
    if (r && followed) this.running.set(remediationId, r);
  }

  /** Another run, another monitor shard or an earlier signal already started (or finished) this assessment. */
  alreadyStarted(remediationId: string): void {
    this.starting.delete(remediationId);
    this.totals.alreadyStarted += 1;
  }

  finished(remediationId: string): void {
    this.running.delete(remediationId);
  }

  pendingAssessments(): PendingAssessment[] {
    const view = (state: AssessmentState) => (r: RemediationTerminal) => ({
      remediationId: r.remediation.id,
      target: r.target,
      state,
    });
    return [
      ...this.queue.map(view('queued')),
      ...[...this.starting.values()].map(view('starting')),
      ...[...this.running.values()].map(view('running')),
    ];
  }

  status(): MonitorStatus {
    return {
      run: this.run,
      signalsThisRun: this.signalsThisRun,
      queued: this.queue.length,
      starting: this.starting.size,
      running: this.running.size,
      remembered: this.seen.size,
      ...(this.lastWindowMs !== undefined && { stabilizationWindowMs: this.lastWindowMs }),
      totals: { ...this.totals },
    };
  }

  /**
   * What the next run needs: queued work and the dedupe memory. Remediations being started are not
   * carried because continue-as-new only happens once every start in flight has resolved; running
   * assessments are not carried because they outlive this run (parent-close policy ABANDON) and need
   * nothing more from the monitor.
   */
  carry(): CarriedMonitorState {
    if (this.starting.size > 0) throw new Error('cannot continue-as-new while assessment starts are in flight');
    return {
      run: this.run + 1,
      pending: [...this.queue],
      recentRemediationIds: this.seen.toArray(),
      totals: { ...this.totals },
      ...(this.lastWindowMs !== undefined && { lastStabilizationWindowMs: this.lastWindowMs }),
    };
  }
}
