/** Effectiveness assessments: filtered and paginated, and the one of a remediation. */
import { DATASTORAGE_ACCESS } from '../auth/access';
import { decodeCursor, encodeCursor, filterFingerprint } from '../cursor';
import { DEFAULT_PAGE_SIZE } from '../parameters';
import { invalidParameter, ProblemError } from '../problems';
import {
  AssessmentPageSchema,
  COMMON_PROBLEMS,
  EffectivenessAssessmentSchema,
  problemResponse,
} from '../representations';
import type { ApiInstance, RouteContext } from './context';

const CURSOR_KIND = 'effectiveness-assessments';

export function registerAssessmentRoutes(app: ApiInstance, ctx: RouteContext): void {
  app.get(
    '/api/v1/effectiveness-assessments',
    {
      schema: {
        operationId: 'listEffectivenessAssessments',
        tags: ['effectiveness'],
        summary: 'Assessments matching the filters, newest first, one page at a time',
        description: 'The window [since, until) is on the assessment time. Filters combine with AND.',
        querystring: ctx.parameters.assessmentsQuery,
        response: { 200: AssessmentPageSchema, ...COMMON_PROBLEMS },
      },
      config: { access: DATASTORAGE_ACCESS.listAssessments },
    },
    async (request) => {
      const q = request.query;
      const filters = {
        since: q.since,
        until: q.until,
        target: q.target,
        remediationId: q.remediationId,
        statuses: q.status,
        trends: q.trend,
        actionType: q.actionType,
      };
      const fingerprint = filterFingerprint(filters);
      let after;
      if (q.cursor !== undefined) {
        const decoded = decodeCursor(q.cursor, CURSOR_KIND, fingerprint, 2);
        if ('reason' in decoded) throw invalidParameter([{ name: 'cursor', in: 'query', reason: decoded.reason }]);
        after = { assessedUs: decoded.position[0], remediationId: decoded.position[1]! };
      }
      const page = await ctx.withinDeadline(
        ctx.reader.searchAssessments({
          ...filters,
          until: q.until ?? ctx.now(),
          limit: q.limit ?? DEFAULT_PAGE_SIZE,
          after,
        }),
      );
      return {
        assessments: page.items,
        nextCursor: page.next
          ? encodeCursor(CURSOR_KIND, fingerprint, [page.next.assessedUs, page.next.remediationId])
          : null,
      };
    },
  );

  app.get(
    '/api/v1/remediations/:namespace/:name/effectiveness-assessment',
    {
      schema: {
        operationId: 'getEffectivenessAssessment',
        tags: ['effectiveness'],
        summary: 'The assessment of one remediation (its RemediationRequest’s namespace and name)',
        params: ctx.parameters.remediationPath,
        response: {
          200: EffectivenessAssessmentSchema,
          ...COMMON_PROBLEMS,
          404: problemResponse('The remediation has not been assessed (yet).'),
        },
      },
      config: { access: DATASTORAGE_ACCESS.getAssessment },
    },
    async (request) => {
      const id = `${request.params.namespace}/${request.params.name}`;
      const assessment = await ctx.withinDeadline(ctx.reader.getAssessment(id));
      if (!assessment) throw new ProblemError('not-found', `remediation ${id} has no effectiveness assessment`);
      return assessment;
    },
  );
}
