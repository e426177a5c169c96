/**
 * The Data Storage API as a fastify instance (not yet listening), assembled from its parts in the order
 * a request meets them:
 *
 *   rate limit (per source address)  →  authentication + authorization (auth/hook.ts)  →  parameter
 *   validation (zod, parameters.ts)  →  handler (routes/, bounded by the request deadline)  →  response
 *   checked against its schema (representations.ts)  →  compression
 *
 * Every error becomes a problem+json answer in one error handler (problems.ts). The OpenAPI 3.1 document
 * is generated from the route schemas and served at /openapi.json, browsable at /docs.
 */
import zlib from 'node:zlib';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { DataStorageReader } from '../datastorage/reader';
import type { AccessReviewer } from './auth/access';
import { authHook } from './auth/hook';
import { createDataStorageApiMetrics, type DataStorageApiMetrics } from './metrics';
import { parameterSchemas } from './parameters';
import { problemFor, ProblemError } from './problems';
import { registerActionRecordRoutes } from './routes/action-records';
import { registerActionStatisticsRoutes } from './routes/action-statistics';
import type { ApiInstance, RouteContext } from './routes/context';
import { registerAssessmentRoutes } from './routes/effectiveness-assessments';
import { registerOperationRoutes } from './routes/operations';

export const API_VERSION = '1.0.0';

export interface DataStorageApiOptions {
  reader: DataStorageReader;
  reviewer: AccessReviewer;
  maxPageSize: number;
  maxWindowDays: number;
  requestTimeoutMs: number;
  /** Requests per source address and minute; 0 disables the limit. */
  rateLimitPerMinute: number;
  retryAfterSeconds: number;
  compressThresholdBytes: number;
  logger?: FastifyBaseLogger;
  metrics?: DataStorageApiMetrics;
  now?: () => Date;
}

export async function buildDataStorageApi(o: DataStorageApiOptions): Promise<ApiInstance> {
  const metrics = o.metrics ?? createDataStorageApiMetrics();
  const app = Fastify({
    ...(o.logger ? { loggerInstance: o.logger } : { logger: false }),
    // One line per request would cost more than the request; metrics count them, errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Receiving the request itself (slow clients); the handler has its own deadline below.
    requestTimeout: o.requestTimeoutMs,
    return503OnClosing: true,
    // Long path parameters reach the schema (and its 400 naming them) instead of the router's bare 414.
    routerOptions: { maxParamLength: 1024 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Responses are plain JSON.stringify: re-validating them with zod on every request cost 1.1 ms for a
  // page of 100 records (5× the stringify), and buys nothing the type checker and the contract tests do
  // not already give — handlers' return types are checked against the response schemas at compile time
  // (ZodTypeProvider), and test/datastorage-api/contract.test.ts validates every answer against the
  // served OpenAPI document.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((err, request, reply) => {
    const { error, internal } = problemFor(err, { retryAfterSeconds: o.retryAfterSeconds });
    if (internal) request.log.error({ err, url: request.url }, 'request failed');
    if (error.problem.status === 503) metrics.databaseUnavailable.inc();
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    return reply
      .status(error.problem.status)
      .type('application/problem+json')
      .send({ ...error.problem, instance: request.url.split('?')[0] });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type('application/problem+json')
      .send({
        ...new ProblemError(
          'not-found',
          `no endpoint ${request.method} ${request.url.split('?')[0]} (see /openapi.json)`,
        ).problem,
        instance: request.url.split('?')[0],
      }),
  );

  // Fast settings: a page of 100 records compresses 25-40× at gzip level 1 in 0.13 ms, against 0.6 ms at
  // the default level for a few percent smaller output (brotli quality 1: 0.08 ms vs 0.4 ms at 4).
  await app.register(compress, {
    threshold: o.compressThresholdBytes,
    // In one synchronous call, up to 1 MiB (a page of the largest size): the stream pipeline the plugin uses
    // above 8 KiB on two cores cost far more than the compression itself (a thread-pool hand-off and several
    // socket writes per response; bench:datastorage's CPU per request, README).
    syncThreshold: 1024 * 1024,
    encodings: ['br', 'gzip', 'deflate'],
    zlibOptions: { level: 1 },
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } },
  });
  if (o.rateLimitPerMinute > 0)
    await app.register(rateLimit, {
      max: o.rateLimitPerMinute,
      timeWindow: 60_000,
      hook: 'onRequest',
      errorResponseBuilder: (_request, context) =>
        Object.assign(
          new Error(`more than ${context.max} requests per minute from this client; retry after ${context.after}`),
          {
            statusCode: 429,
          },
        ),
    });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kubernaut Data Storage API',
        version: API_VERSION,
        description:
          'Read-only access to the action history of WorkflowExecution steps, success statistics and ' +
          'effectiveness assessments (src/datastorage-api/README.md). Errors are RFC 9457 problems.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [],
    },
    transform: (document) => {
      const t = jsonSchemaTransform(document);
      // Routes that check access declare the bearer scheme; the others are open.
      if (document.route.config?.access) return { ...t, schema: { ...t.schema, security: [{ bearer: [] }] } };
      return t;
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());

  // Access is checked in a route-level hook appended after the rate limiter's (also route-level), so a
  // client over its limit is refused before it costs the API server a TokenReview.
  const checkAccess = authHook({
    reviewer: o.reviewer,
    retryAfterSeconds: o.retryAfterSeconds,
    onDecision: (outcome) => metrics.accessDecisions.inc({ outcome }),
  });
  app.addHook('onRoute', (route) => {
    if (!route.config?.access) return;
    const existing =
      route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...existing, checkAccess];
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const ctx: RouteContext = {
    reader: o.reader,
    parameters: parameterSchemas({ maxPageSize: o.maxPageSize, maxWindowDays: o.maxWindowDays }),
    now: o.now ?? (() => new Date()),
    withinDeadline: (work) => deadline(work, o.requestTimeoutMs, o.retryAfterSeconds),
  };
  registerActionRecordRoutes(app, ctx);
  registerActionStatisticsRoutes(app, ctx);
  registerAssessmentRoutes(app, ctx);
  registerOperationRoutes(app, ctx, {
    registry: metrics.registry,
    notReadyReason: async () => {
      try {
        await deadline(o.reader.ping(), 2_000, o.retryAfterSeconds);
        return undefined;
      } catch (err) {
        return `the database does not answer (${err instanceof Error ? err.message : String(err)})`;
      }
    },
  });
  return app;
}

function deadline<T>(work: Promise<T>, ms: number, retryAfterSeconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProblemError('unavailable', `the request took longer than ${ms} ms; retry later or narrow it`, {
            headers: { 'retry-after': String(retryAfterSeconds) },
          }),
        ),
      ms,
    );
  });
  // The query itself ends at the statement timeout (below the request timeout); its late result is ignored.
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
