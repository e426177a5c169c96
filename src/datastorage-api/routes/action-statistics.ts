/** Outcomes per action type over whole UTC days, globally or for one target, with daily buckets. */
import { DATASTORAGE_ACCESS } from '../auth/access';
import { DEFAULT_STATISTICS_DAYS } from '../parameters';
import { ActionStatisticsSchema, COMMON_PROBLEMS } from '../representations';
import { actionStatistics, statisticsWindow } from '../statistics';
import type { ApiInstance, RouteContext } from './context';

export function registerActionStatisticsRoutes(app: ApiInstance, ctx: RouteContext): void {
  app.get(
    '/api/v1/action-statistics',
    {
      schema: {
        operationId: 'getActionStatistics',
        tags: ['statistics'],
        summary: 'Success statistics per action type over the last `days` UTC days, with daily buckets',
        description:
          'The window is `days` whole UTC days ending with `until` (inclusive, default today). Without ' +
          '`target` the counts cover every target; without `actionType`, every action type.',
        querystring: ctx.parameters.statisticsQuery,
        response: { 200: ActionStatisticsSchema, ...COMMON_PROBLEMS },
      },
      config: { access: DATASTORAGE_ACCESS.getActionStatistics },
    },
    async (request) => {
      const q = request.query;
      const window = statisticsWindow(
        q.until ?? ctx.now().toISOString().slice(0, 10),
        q.days ?? DEFAULT_STATISTICS_DAYS,
      );
      const rows = await ctx.withinDeadline(
        ctx.reader.getDailyOutcomes({
          firstDay: window.firstDay,
          endDay: window.endDay,
          actionTypes: q.actionType,
          target: q.target,
        }),
      );
      return {
        window: { since: window.since, until: window.until, days: window.days },
        target: q.target ?? null,
        ...actionStatistics(rows),
      };
    },
  );
}
