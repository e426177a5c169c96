/** Action records: the filtered, paginated history, and the records of one WorkflowExecution. */
import { DATASTORAGE_ACCESS } from '../auth/access';
import { decodeCursor, encodeCursor, filterFingerprint } from '../cursor';
import { DEFAULT_PAGE_SIZE } from '../parameters';
import { invalidParameter } from '../problems';
import { ActionRecordPageSchema, COMMON_PROBLEMS, WorkflowExecutionRecordsSchema } from '../representations';
import { jsonText, JSON_CONTENT_TYPE, type ApiInstance, type RouteContext } from './context';

const CURSOR_KIND = 'action-records';

export function registerActionRecordRoutes(app: ApiInstance, ctx: RouteContext): void {
  app.get(
    '/api/v1/action-records',
    {
      schema: {
        operationId: 'listActionRecords',
        tags: ['action records'],
        summary: 'Action records matching the filters, newest execution start first, one page at a time',
        description:
          'All filters combine with AND; a list filter matches any of its values. The window [since, until) ' +
          'is on the WorkflowExecution start. Pages continue with `cursor` = the previous `nextCursor`.',
        querystring: ctx.parameters.actionRecordsQuery,
        response: { 200: ActionRecordPageSchema, ...COMMON_PROBLEMS },
      },
      config: { access: DATASTORAGE_ACCESS.listActionRecords },
    },
    async (request, reply) => {
      const q = request.query;
      const filters = {
        since: q.since,
        until: q.until,
        actionTypes: q.actionType,
        statuses: q.status,
        target: q.target,
        namespace: q.namespace,
        remediationId: q.remediationId,
      };
      const fingerprint = filterFingerprint(filters);
      let after;
      if (q.cursor !== undefined) {
        const decoded = decodeCursor(q.cursor, CURSOR_KIND, fingerprint, 3);
        if ('reason' in decoded) throw invalidParameter([{ name: 'cursor', in: 'query', reason: decoded.reason }]);
        const [startUs, wfeUid, stepName] = decoded.position;
        after = { startUs, wfeUid: wfeUid!, stepName: stepName! };
      }
      const page = await ctx.withinDeadline(
        ctx.reader.searchActionRecords({
          ...filters,
          until: q.until ?? ctx.now(),
          limit: q.limit ?? DEFAULT_PAGE_SIZE,
          after,
        }),
      );
      const nextCursor = page.next
        ? encodeCursor(CURSOR_KIND, fingerprint, [page.next.startUs, page.next.wfeUid, page.next.stepName])
        : null;
      const body = jsonText({ records: page.documents, nextCursor: JSON.stringify(nextCursor) });
      // The documented type (ActionRecordPage) is what the documents spell; the cast only says it is text.
      return reply.type(JSON_CONTENT_TYPE).send(body as never);
    },
  );

  app.get(
    '/api/v1/workflow-executions/:wfeUid/action-records',
    {
      schema: {
        operationId: 'getWorkflowExecutionActionRecords',
        tags: ['action records'],
        summary: 'Every step record of one WorkflowExecution, by step name (empty when none was recorded)',
        params: ctx.parameters.workflowExecutionPath,
        response: { 200: WorkflowExecutionRecordsSchema, ...COMMON_PROBLEMS },
      },
      config: { access: DATASTORAGE_ACCESS.listActionRecords },
    },
    async (request, reply) => {
      const { wfeUid } = request.params;
      const records = await ctx.withinDeadline(ctx.reader.getWorkflowExecutionActions(wfeUid));
      const body = jsonText({ wfeUid: JSON.stringify(wfeUid), records });
      return reply.type(JSON_CONTENT_TYPE).send(body as never);
    },
  );
}
