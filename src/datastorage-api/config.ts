/**
 * Configuration of the Data Storage API process, from the environment, validated once at start (a bad
 * value stops the process with one message listing every problem). Every option has a default except
 * DATABASE_URL; the README's table lists them.
 */
import { z } from 'zod';
import {
  ConfigurationError,
  envList,
  envLogLevel,
  envPort,
  envPositiveInt as positiveInt,
  loadEnvironment,
} from '../config/environment';

export { ConfigurationError };

export const AUTH_MODES = ['kubernetes', 'static-token'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const DataStorageApiConfigSchema = z.object({
  /** PostgreSQL of the Data Storage, as a role that can only read (README: "Database role"). */
  DATABASE_URL: z.string({ error: 'is required: postgres://user:password@host:5432/database' }).min(1),
  /**
   * Connections per replica. Small on purpose: every query is CPU work in PostgreSQL, so more connections than
   * about twice the database's cores only add contention — on 2 cores, 10 gave 50-client p99 spikes of 170-250
   * ms in most runs where 4 stayed at 80-110 (README "Benchmark"). Raise it with the database's cores, counting
   * every replica.
   */
  KUBERNAUT_DATABASE_POOL_SIZE: positiveInt.max(1000).default(4),
  /** The server cancels a query running longer; keep it below the request timeout. */
  KUBERNAUT_DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(5_000),
  /** How long a request waits for a database connection before answering 503. */
  KUBERNAUT_DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(2_000),
  /** Port of the API, /openapi.json, /docs, /metrics, /healthz and /readyz. */
  KUBERNAUT_HTTP_PORT: envPort.default(8090),
  KUBERNAUT_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** `kubernetes` (TokenReview + SubjectAccessReview) or `static-token` (a token file; docker compose). */
  KUBERNAUT_DATASTORAGE_API_AUTH: z
    .enum(AUTH_MODES, { error: `must be one of ${AUTH_MODES.join(', ')}` })
    .default('kubernetes'),
  /** Path of the token file of the static-token mode: lines `token,user[,uid[,"group1,group2"]]`. */
  KUBERNAUT_DATASTORAGE_API_TOKEN_FILE: z.string().min(1).optional(),
  /** Audiences a token must be bound to (TokenReview spec.audiences); the API server's default when empty. */
  KUBERNAUT_DATASTORAGE_API_TOKEN_AUDIENCES: envList,
  /** How long an allowed token / access decision is reused before asking the API server again. */
  KUBERNAUT_DATASTORAGE_API_AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  /** The same for rejected tokens and denied access (short: a new RoleBinding takes effect quickly). */
  KUBERNAUT_DATASTORAGE_API_AUTH_DENIED_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5_000),
  /** Path of a kubeconfig for the TokenReview/SubjectAccessReview calls; in-cluster service account when unset. */
  KUBECONFIG: z.string().optional(),
  /** Whole-request deadline: past it the API answers 503 and frees the request. */
  KUBERNAUT_DATASTORAGE_API_REQUEST_TIMEOUT_MS: positiveInt.default(10_000),
  /** Largest page a client may ask for (`limit`). */
  KUBERNAUT_DATASTORAGE_API_MAX_PAGE_SIZE: positiveInt.max(10_000).default(1000),
  /** Longest time window a query may cover, in days. */
  KUBERNAUT_DATASTORAGE_API_MAX_WINDOW_DAYS: positiveInt.max(3660).default(400),
  /** Requests per client (source address) and minute; 0 disables the limit. */
  KUBERNAUT_DATASTORAGE_API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /** Retry-After (seconds) sent with 503 while the database is unreachable. */
  KUBERNAUT_DATASTORAGE_API_RETRY_AFTER_SECONDS: positiveInt.max(3600).default(5),
  /** Responses at least this large are compressed (gzip/br/deflate, as the client accepts). */
  KUBERNAUT_DATASTORAGE_API_COMPRESS_THRESHOLD_BYTES: z.coerce.number().int().min(0).default(1024),
  /** How long SIGTERM lets requests in progress finish. */
  KUBERNAUT_SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  KUBERNAUT_LOG_LEVEL: envLogLevel,
});

export type DataStorageApiConfig = z.infer<typeof DataStorageApiConfigSchema>;

export function loadDataStorageApiConfig(env: NodeJS.ProcessEnv = process.env): DataStorageApiConfig {
  const config = loadEnvironment(DataStorageApiConfigSchema, env, 'datastorage-api');
  const problems: string[] = [];
  if (config.KUBERNAUT_DATASTORAGE_API_AUTH === 'static-token' && !config.KUBERNAUT_DATASTORAGE_API_TOKEN_FILE)
    problems.push('KUBERNAUT_DATASTORAGE_API_TOKEN_FILE: is required with KUBERNAUT_DATASTORAGE_API_AUTH=static-token');
  if (config.KUBERNAUT_DATABASE_STATEMENT_TIMEOUT_MS >= config.KUBERNAUT_DATASTORAGE_API_REQUEST_TIMEOUT_MS)
    problems.push(
      'KUBERNAUT_DATABASE_STATEMENT_TIMEOUT_MS: must be below KUBERNAUT_DATASTORAGE_API_REQUEST_TIMEOUT_MS ' +
        '(a query must end, and be reported, before its request does)',
    );
  if (problems.length > 0)
    throw new ConfigurationError(`invalid datastorage-api configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return config;
}

/**
 * How the API's database sessions run, wherever the API is assembled (its process, the demo, tests):
 * every transaction read-only (a second guard beside a role that can only read), and each named
 * statement on its generic plan — the API's statements choose their index in code and prune partitions
 * at run time, so planning them again per request only cost time.
 */
export const API_DATABASE_SESSION = { readOnly: true, genericPlans: true } as const;
