/**
 * The JSON PostgreSQL writes for the Data Storage API's pages (recordDocument, spliced into responses
 * as text) is the same ActionRecord the repository reads — for the strings JSON must escape, NULLs,
 * nested inputs and timestamps with microseconds (truncated to milliseconds by both).
 */
import { workflowExecutionDocuments } from '../../src/datastorage/action-record-search';
import { createDataStorage } from '../../src/datastorage/repository';
import type { TestDatabase } from '../support/stack';
import { dataStorageTestDatabase } from './database';
import { fixedNow, iso, outcome, wfeRecords } from './fixtures';

const HOSTILE =
  'quote " backslash \\ newline \n tab \t nul-free control \u0001 \u001f del \u007f é 日本 😀 </script> \u2028';

describe('action record documents', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await dataStorageTestDatabase();
  });
  afterAll(() => db?.drop());

  it('are the records the repository reads, field for field', async () => {
    const ds = createDataStorage(db.pool);
    const rows = wfeRecords({
      name: `wfe-${HOSTILE.length}`,
      executionStartedAt: iso(fixedNow() - 3_600_000),
      steps: [
        {
          name: 'failed-step',
          actionType: 'kubernetes/restart_pod',
          inputs: { note: HOSTILE, nested: { list: [1, null, 'x'] } },
        },
        { name: 'executing-step', actionType: 'kubernetes/scale_deployment', inputs: {} },
        { name: 'succeeded-step', actionType: 'gitops/create_pr' },
      ],
    });
    await ds.recordActions(rows);
    await ds.completeActions([
      outcome(rows[0]!, 'failed', { failureReason: 'TaskFailed', failureMessage: HOSTILE, exitCode: 137 }),
      outcome(rows[2]!, 'succeeded'),
    ]);
    // Microseconds the API must truncate, as Date.toISOString does for the repository.
    await db.pool.query(
      "UPDATE action_records SET updated_at = '2026-11-30T01:02:03.456789Z', created_at = '2026-11-30T01:02:03Z'",
    );

    const documents = JSON.parse(await workflowExecutionDocuments(db.pool, rows[0]!.wfeUid)) as unknown[];
    const records = await ds.getWorkflowExecutionActions(rows[0]!.wfeUid);
    expect(records).toHaveLength(3);
    expect(documents).toEqual(records);
    expect(documents.map((d) => Object.keys(d as object))).toEqual(records.map((r) => Object.keys(r)));
    const failed = records.find((r) => r.stepName === 'failed-step')!;
    expect(failed.failureMessage).toBe(HOSTILE);
    expect(failed.updatedAt).toBe('2026-11-30T01:02:03.456Z');
    expect(records.find((r) => r.stepName === 'executing-step')).toMatchObject({ completedAt: null, exitCode: null });
  });
});
