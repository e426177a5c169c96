/**
 * The read side of the Data Storage, for the read-only HTTP API (src/datastorage-api): searches with
 * keyset pages, daily outcome counts and assessments. Nothing here writes, so it runs on a pool whose
 * role can only read.
 *
 * Inputs are typed, not validated: the API validates every parameter (and says which one is wrong)
 * before calling. Every failure is a DataStorageError that says whether a retry can help (a database
 * outage: yes; a bug: no).
 */
import {
  searchActionRecords,
  workflowExecutionDocuments,
  type ActionRecordSearch,
  type RecordDocumentPage,
} from './action-record-search';
import { selectAssessment, selectAssessments, type AssessmentPosition, type AssessmentSearch } from './assessments';
import { selectDailyOutcomes, type DailyOutcomeRow, type DailyOutcomesQuery } from './daily-outcomes';
import { toDataStorageError } from './errors';
import type { Queryable } from './partitions';
import type { StoredAssessment } from './records';

export interface Page<T, P> {
  items: T[];
  /** Position of the last item when another page follows; undefined on the last page. */
  next?: P;
}

export interface DataStorageReader {
  searchActionRecords(search: ActionRecordSearch): Promise<RecordDocumentPage>;
  /** Every step of one WorkflowExecution, by step name, as the text of a JSON array. */
  getWorkflowExecutionActions(wfeUid: string): Promise<string>;
  getDailyOutcomes(query: DailyOutcomesQuery): Promise<DailyOutcomeRow[]>;
  getAssessment(remediationId: string): Promise<StoredAssessment | null>;
  searchAssessments(search: AssessmentSearch): Promise<Page<StoredAssessment, AssessmentPosition>>;
  /** Resolves when the database answers and the tables can be read (migrated, privileges granted). */
  ping(): Promise<void>;
}

export function createDataStorageReader(db: Queryable): DataStorageReader {
  async function run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw toDataStorageError(operation, err);
    }
  }

  return {
    searchActionRecords: (search) => run('searchActionRecords', () => searchActionRecords(db, search)),

    getWorkflowExecutionActions: (wfeUid) =>
      run('getWorkflowExecutionActions', () => workflowExecutionDocuments(db, wfeUid)),

    getDailyOutcomes: (query) => run('getDailyOutcomes', () => selectDailyOutcomes(db, query)),

    getAssessment: (remediationId) => run('getAssessment', () => selectAssessment(db, remediationId)),

    searchAssessments: (search) =>
      run('searchAssessments', async () => {
        const found = await selectAssessments(db, search);
        const page = found.slice(0, search.limit);
        return {
          items: page.map((f) => f.assessment),
          next: found.length > search.limit ? page[page.length - 1]?.position : undefined,
        };
      }),

    ping: () =>
      run('ping', async () => {
        await db.query({
          name: 'kubernaut_reader_ping',
          text: 'SELECT (SELECT 1 FROM action_records LIMIT 0), (SELECT 1 FROM effectiveness_assessments LIMIT 0)',
        });
      }),
  };
}
