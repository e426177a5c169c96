/**
 * A Data Storage API under test: a fresh migrated database on the stack's PostgreSQL, a login role that
 * is only a member of the read-only group (what production uses), the real reader on a read-only pool,
 * and the real fastify server listening on 127.0.0.1 — requests go over HTTP with fetch.
 *
 * The access reviewer defaults to the static-token one (one token, everything allowed); tests of the
 * Kubernetes mode pass the real one.
 */
import crypto from 'node:crypto';
import { Pool } from 'pg';
import { API_DATABASE_SESSION } from '../../../src/datastorage-api/config';
import { createPool } from '../../../src/datastorage/pool';
import { createDataStorageReader } from '../../../src/datastorage/reader';
import type { AccessReviewer } from '../../../src/datastorage-api/auth/access';
import { staticTokenReviewer, tokenTable } from '../../../src/datastorage-api/auth/static-tokens';
import { buildDataStorageApi, type DataStorageApiOptions } from '../../../src/datastorage-api/server';
import { dataStorageTestDatabase } from '../../datastorage/database';
import type { TestDatabase } from '../../support/stack';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface ApiUnderTest {
  url: string;
  token: string;
  /** The test database, through its owner (for seeding). */
  db: TestDatabase;
  /** postgres:// URL of the read-only login role the API uses. */
  readerUrl: string;
  /** GET `path` with the test token (unless `token: null`), parsed; never throws on an HTTP status. */
  get(path: string, o?: { token?: string | null; headers?: Record<string, string> }): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  contentType: string;
  /** The body parsed as JSON when it is JSON, else the text. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** A login role of its own that can only read (member of kubernaut_datastorage_reader). */
export async function readerLogin(db: TestDatabase): Promise<{ url: string; drop(): Promise<void> }> {
  const role = `kt_reader_${crypto.randomBytes(4).toString('hex')}`;
  await db.pool.query(`CREATE ROLE ${role} LOGIN IN ROLE kubernaut_datastorage_reader`);
  const url = new URL(db.url);
  url.username = role;
  return {
    url: url.toString(),
    async drop() {
      // After the database is dropped: connect to the server's maintenance database.
      const server = new URL(db.url);
      server.pathname = '/postgres';
      const admin = new Pool({ connectionString: server.toString(), max: 1 });
      try {
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
      } finally {
        await admin.end();
      }
    },
  };
}

export type ApiOptions = Partial<Omit<DataStorageApiOptions, 'reader'>> & {
  /** Where the API's pool connects instead of the reader role (e.g. through a TCP proxy). */
  databaseUrl?: (readerUrl: string) => string | Promise<string>;
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
};

export async function startApi(o: ApiOptions = {}): Promise<ApiUnderTest> {
  const db = await dataStorageTestDatabase();
  const login = await readerLogin(db);
  try {
    return await listen(o, db, login);
  } catch (err) {
    // Leave nothing behind when the API cannot start (a test that fails in beforeAll never calls stop).
    await db.drop();
    await login.drop();
    throw err;
  }
}

async function listen(
  o: ApiOptions,
  db: TestDatabase,
  login: Awaited<ReturnType<typeof readerLogin>>,
): Promise<ApiUnderTest> {
  const pool = createPool({
    databaseUrl: o.databaseUrl ? await o.databaseUrl(login.url) : login.url,
    max: 4,
    statementTimeoutMs: o.statementTimeoutMs ?? 5_000,
    connectionTimeoutMs: o.connectionTimeoutMs ?? 2_000,
    ...API_DATABASE_SESSION,
  });
  pool.on('error', () => undefined);
  const reviewer: AccessReviewer =
    o.reviewer ?? staticTokenReviewer(tokenTable([[TEST_TOKEN, { user: 'test', groups: [] }]]));
  const app = await buildDataStorageApi({
    maxPageSize: 1000,
    maxWindowDays: 400,
    requestTimeoutMs: 10_000,
    rateLimitPerMinute: 0,
    retryAfterSeconds: 5,
    compressThresholdBytes: 1024,
    ...o,
    reviewer,
    reader: createDataStorageReader(pool),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    token: TEST_TOKEN,
    db,
    readerUrl: login.url,
    get: (path, opts = {}) =>
      httpGet(`${url}${path}`, opts.token === undefined ? TEST_TOKEN : opts.token, opts.headers),
    async stop() {
      await app.close();
      await pool.end();
      await db.drop();
      await login.drop();
    },
  };
}

export async function httpGet(
  url: string,
  token: string | null,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const res = await fetch(url, {
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
  const text = await res.text();
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  let body: unknown = text;
  if (/json$/.test(contentType)) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, contentType, body, text };
}
