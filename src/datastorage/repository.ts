/**
 * The Data Storage API the rest of the project uses (activities, the effectiveness workflows, the
 * benchmark): validated inputs, parameterised SQL over a shared pg Pool, and errors that say whether
 * a retry can help (DataStorageError.retryable).
 *
 * Atomicity: every write is ONE statement, so a batch is written entirely or not at all without an
 * explicit transaction, and an invalid row rejects the batch before any SQL runs.
 *
 * Missing partitions: a write whose execution start falls in a month without a partition (maintenance
 * not run for months, or a WorkflowExecution created long ago) creates that month on demand and is
 * retried once, so a skipped maintenance run never loses an action record. Start times more than 24h
 * in the future are rejected as invalid, so junk dates cannot create partitions.
 */
import type { Pool } from 'pg';
import {
  insertExecuting,
  upsertOutcomes,
  type CompleteActionsResult,
  type MovedStep,
  type RecordActionsResult,
} from './action-writes';
import {
  decodeCursor,
  encodeCursor,
  selectByRemediation,
  selectByWorkflowExecution,
  selectHistory,
  selectRecentByTarget,
  selectStats,
  toActionRecord,
} from './action-queries';
import { insertAssessment, selectAssessment } from './assessments';
import { DataStorageValidationError, toDataStorageError } from './errors';
import { ensurePartitionsFor } from './partitions';
import {
  ActionHistoryQuerySchema,
  ActionStatsQuerySchema,
  EffectivenessAssessmentSchema,
  ExecutingActionRecordBatchSchema,
  FinishedActionRecordBatchSchema,
  RecentByTargetQuerySchema,
  type ActionHistoryPage,
  type ActionHistoryQuery,
  type ActionRecord,
  type ActionStats,
  type ActionStatsQuery,
  type ExecutingActionRecord,
  type FinishedActionRecord,
  type PersistAssessmentResult,
  type RecentByTargetQuery,
  type StoredAssessment,
} from './records';
import type { EffectivenessAssessment } from '../domain/effectiveness/scoring';
import { parseInput } from './validation';
import { z } from 'zod';

export type { CompleteActionsResult, RecordActionsResult } from './action-writes';

export interface DataStorage {
  /** Records the steps of a WorkflowExecution as `executing`; steps already stored are left alone. */
  recordActions(rows: ExecutingActionRecord[]): Promise<RecordActionsResult>;
  /** Moves steps forward to their outcome; finished steps never change; inserts steps not yet recorded. */
  completeActions(outcomes: FinishedActionRecord[]): Promise<CompleteActionsResult>;
  /** Newest first within [since, until), paginated with `cursor`. */
  getActionHistory(query: ActionHistoryQuery): Promise<ActionHistoryPage>;
  /** Counts by status, oldest record and latest verdicts over [since, until). */
  getActionStats(query: ActionStatsQuery): Promise<ActionStats>;
  /** Records of one target and action type within [since, until), newest first. */
  getRecentByTarget(query: RecentByTargetQuery): Promise<ActionRecord[]>;
  /** Every step of one WorkflowExecution, by step name. */
  getWorkflowExecutionActions(wfeUid: string): Promise<ActionRecord[]>;
  /** Every step a remediation ran, newest first. */
  getRemediationActions(remediationId: string): Promise<ActionRecord[]>;
  /** Stores the assessment of a remediation once; a later write keeps the first (`created: false`). */
  persistAssessment(assessment: EffectivenessAssessment): Promise<PersistAssessmentResult>;
  getAssessment(remediationId: string): Promise<StoredAssessment | null>;
}

export interface DataStorageOptions {
  /** Told about partitions created on demand (worth a log line: maintenance may not be running). */
  onPartitionsCreated?: (names: string[]) => void;
}

const RemediationIdSchema = z.string({ error: 'must be a string' }).min(1, 'must be a non-empty string');
const WfeUidSchema = RemediationIdSchema;

export function createDataStorage(pool: Pool, options: DataStorageOptions = {}): DataStorage {
  async function run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw toDataStorageError(operation, err);
    }
  }

  async function withPartitions<T>(rows: { executionStartedAt: Date }[], write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isMissingPartition(err)) throw err;
      const times = rows.map((r) => r.executionStartedAt.getTime());
      const created = await ensurePartitionsFor(pool, new Date(Math.min(...times)), new Date(Math.max(...times)));
      if (created.length > 0) options.onPartitionsCreated?.(created);
      return write();
    }
  }

  return {
    async recordActions(rows) {
      const op = 'recordActions';
      const valid = parseInput(op, ExecutingActionRecordBatchSchema, rows);
      if (valid.length === 0) return { inserted: 0, alreadyRecorded: 0 };
      const { result, moved } = await run(op, () => withPartitions(valid, () => insertExecuting(pool, valid)));
      if (moved.length > 0) throw movedError(op, valid, moved);
      return result;
    },

    async completeActions(outcomes) {
      const op = 'completeActions';
      const valid = parseInput(op, FinishedActionRecordBatchSchema, outcomes);
      if (valid.length === 0) return { completed: 0, insertedFinished: 0, alreadyFinished: 0 };
      const { result, moved } = await run(op, () => withPartitions(valid, () => upsertOutcomes(pool, valid)));
      if (moved.length > 0) throw movedError(op, valid, moved);
      return result;
    },

    async getActionHistory(query) {
      const op = 'getActionHistory';
      const q = parseInput(op, ActionHistoryQuerySchema, query);
      const cursor = q.cursor === undefined ? undefined : decodeCursor(op, q.cursor);
      const rows = await run(op, () =>
        selectHistory(pool, {
          actionTypes: q.actionTypes,
          since: q.since,
          until: q.until,
          target: q.target,
          limit: q.limit,
          cursor,
        }),
      );
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        records: page.map(toActionRecord),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
      };
    },

    async getActionStats(query) {
      const op = 'getActionStats';
      const q = parseInput(op, ActionStatsQuerySchema, query);
      const actionTypes = q.actionTypes ?? [q.actionType as string];
      return run(op, () =>
        selectStats(pool, { actionTypes, since: q.since, until: q.until ?? new Date(), latestN: q.latestN }),
      );
    },

    async getRecentByTarget(query) {
      const op = 'getRecentByTarget';
      const q = parseInput(op, RecentByTargetQuerySchema, query);
      const rows = await run(op, () => selectRecentByTarget(pool, { ...q, until: q.until ?? new Date() }));
      return rows.map(toActionRecord);
    },

    async getWorkflowExecutionActions(wfeUid) {
      const op = 'getWorkflowExecutionActions';
      const uid = parseInput(op, WfeUidSchema, wfeUid);
      return (await run(op, () => selectByWorkflowExecution(pool, uid))).map(toActionRecord);
    },

    async getRemediationActions(remediationId) {
      const op = 'getRemediationActions';
      const id = parseInput(op, RemediationIdSchema, remediationId);
      return (await run(op, () => selectByRemediation(pool, id))).map(toActionRecord);
    },

    async persistAssessment(assessment) {
      const op = 'persistAssessment';
      const a = parseInput(op, EffectivenessAssessmentSchema, assessment);
      return run(op, () => insertAssessment(pool, a));
    },

    async getAssessment(remediationId) {
      const op = 'getAssessment';
      const id = parseInput(op, RemediationIdSchema, remediationId);
      return run(op, () => selectAssessment(pool, id));
    },
  };
}

function isMissingPartition(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === '23514' && typeof e.message === 'string' && /no partition of relation/i.test(e.message);
}

function movedError(
  operation: string,
  rows: { wfeUid: string; stepName: string; executionStartedAt: Date }[],
  moved: MovedStep[],
): DataStorageValidationError {
  return new DataStorageValidationError(
    operation,
    moved.map((m) => {
      const index = rows.findIndex((r) => r.wfeUid === m.wfeUid && r.stepName === m.stepName);
      return {
        path: `$[${index}].executionStartedAt`,
        message:
          `step ${m.stepName} of WFE ${m.wfeUid} is stored with execution start ${m.storedExecutionStartedAt}; ` +
          'send the same start time on every write (it is part of the idempotency key)',
      };
    }),
  );
}
