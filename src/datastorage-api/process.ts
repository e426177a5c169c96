/**
 * Runs the Data Storage API from its configuration: read-only database pool, access reviewer (Kubernetes
 * or token file, cached), HTTP server. Shared by the process entry (main.ts) and `npm run datastorage --
 * serve` (cli.ts). SIGTERM/SIGINT stop accepting connections, let requests in progress finish within
 * KUBERNAUT_SHUTDOWN_GRACE_MS, close the pool and exit 0; a second signal exits at once.
 */
import pino from 'pino';
import { createPool } from '../datastorage/pool';
import { createDataStorageReader } from '../datastorage/reader';
import { loadKubeConfig } from '../kubernetes/kube-config';
import type { AccessReviewer } from './auth/access';
import { cachedReviewer } from './auth/cached-reviewer';
import { kubernetesReviewer } from './auth/kubernetes-reviewer';
import { staticTokenReviewerFromFile } from './auth/static-tokens';
import { API_DATABASE_SESSION, type DataStorageApiConfig } from './config';
import { createDataStorageApiMetrics, type DataStorageApiMetrics } from './metrics';
import { buildDataStorageApi } from './server';

function reviewerFor(config: DataStorageApiConfig, metrics: DataStorageApiMetrics): AccessReviewer {
  let inner: AccessReviewer;
  if (config.KUBERNAUT_DATASTORAGE_API_AUTH === 'static-token') {
    inner = staticTokenReviewerFromFile(config.KUBERNAUT_DATASTORAGE_API_TOKEN_FILE!);
  } else {
    inner = kubernetesReviewer({
      kubeConfig: loadKubeConfig(config.KUBECONFIG),
      audiences: config.KUBERNAUT_DATASTORAGE_API_TOKEN_AUDIENCES,
    });
  }
  return cachedReviewer(inner, {
    allowedTtlMs: config.KUBERNAUT_DATASTORAGE_API_AUTH_CACHE_TTL_MS,
    deniedTtlMs: config.KUBERNAUT_DATASTORAGE_API_AUTH_DENIED_CACHE_TTL_MS,
    onLookup: (kind, hit) => metrics.accessCacheLookups.inc({ kind, hit: String(hit) }),
  });
}

export interface RunningApi {
  port: number;
  stop(): Promise<void>;
}

export async function startDataStorageApi(config: DataStorageApiConfig): Promise<RunningApi> {
  const logger = pino({ level: config.KUBERNAUT_LOG_LEVEL, base: { component: 'datastorage-api', pid: process.pid } });
  const metrics = createDataStorageApiMetrics();
  const pool = createPool(
    {
      databaseUrl: config.DATABASE_URL,
      max: config.KUBERNAUT_DATABASE_POOL_SIZE,
      statementTimeoutMs: config.KUBERNAUT_DATABASE_STATEMENT_TIMEOUT_MS,
      connectionTimeoutMs: config.KUBERNAUT_DATABASE_CONNECT_TIMEOUT_MS,
      applicationName: 'kubernaut-datastorage-api',
      ...API_DATABASE_SESSION,
    },
    (err) => logger.warn({ err }, 'idle database connection failed'),
  );
  const app = await buildDataStorageApi({
    reader: createDataStorageReader(pool),
    reviewer: reviewerFor(config, metrics),
    maxPageSize: config.KUBERNAUT_DATASTORAGE_API_MAX_PAGE_SIZE,
    maxWindowDays: config.KUBERNAUT_DATASTORAGE_API_MAX_WINDOW_DAYS,
    requestTimeoutMs: config.KUBERNAUT_DATASTORAGE_API_REQUEST_TIMEOUT_MS,
    rateLimitPerMinute: config.KUBERNAUT_DATASTORAGE_API_RATE_LIMIT_PER_MINUTE,
    retryAfterSeconds: config.KUBERNAUT_DATASTORAGE_API_RETRY_AFTER_SECONDS,
    compressThresholdBytes: config.KUBERNAUT_DATASTORAGE_API_COMPRESS_THRESHOLD_BYTES,
    logger,
    metrics,
  });
  await app.listen({ port: config.KUBERNAUT_HTTP_PORT, host: config.KUBERNAUT_HTTP_HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.KUBERNAUT_HTTP_PORT;
  logger.info(
    { port, auth: config.KUBERNAUT_DATASTORAGE_API_AUTH },
    'serving the Data Storage API (/openapi.json, /docs)',
  );
  return {
    port,
    async stop() {
      await app.close();
      await pool.end();
    },
  };
}

/** Runs until SIGTERM/SIGINT (process entry). */
export async function runDataStorageApi(config: DataStorageApiConfig): Promise<void> {
  const api = await startDataStorageApi(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`datastorage-api: ${signal}, draining\n`);
    const force = setTimeout(() => process.exit(1), config.KUBERNAUT_SHUTDOWN_GRACE_MS);
    force.unref();
    api.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
