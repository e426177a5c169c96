/**
 * Endpoints for the platform, not for data: liveness, readiness (the database answers), Prometheus
 * metrics. Open (kubelet probes and scrapers send no token) and never rate-limited.
 */
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { ApiInstance, RouteContext } from './context';

export interface OperationsOptions {
  registry: Registry;
  /** Why the process is not ready, or undefined when it is. */
  notReadyReason: () => Promise<string | undefined>;
}

export function registerOperationRoutes(app: ApiInstance, _ctx: RouteContext, o: OperationsOptions): void {
  const open = { rateLimit: false } as const;
  const text = (description: string) => ({ description, content: { 'text/plain': { schema: z.string() } } });
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'healthz',
        tags: ['operations'],
        summary: 'The process is alive',
        response: { 200: text('alive') },
      },
      config: open,
    },
    async (_request, reply) => reply.type('text/plain').send('ok\n'),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'readyz',
        tags: ['operations'],
        summary: 'The process can serve: the database answers',
        response: { 200: text('ready'), 503: text('not ready, and why') },
      },
      config: open,
    },
    async (_request, reply) => {
      const reason = await o.notReadyReason();
      return reply
        .status(reason ? 503 : 200)
        .type('text/plain')
        .send(reason ? `not ready: ${reason}\n` : 'ok\n');
    },
  );
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        tags: ['operations'],
        summary: 'Prometheus metrics',
        response: { 200: text('Prometheus text format') },
      },
      config: open,
    },
    async (_request, reply) => reply.type(o.registry.contentType).send(await o.registry.metrics()),
  );
}
