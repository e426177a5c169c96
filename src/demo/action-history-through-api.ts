/**
 * For the demo: one query answered through the Data Storage API, the way another team would ask it.
 * Starts the API in this process on a free loopback port (static-token mode with a one-off token, the
 * database given), asks for the action history of `target` over the last day with the HTTP client,
 * prints it as a table and stops the API.
 */
import crypto from 'node:crypto';
import { createPool } from '../datastorage/pool';
import { createDataStorageReader } from '../datastorage/reader';
import { staticTokenReviewer, tokenTable } from '../datastorage-api/auth/static-tokens';
import { createDataStorageClient } from '../datastorage-api/client';
import { API_DATABASE_SESSION } from '../datastorage-api/config';
import { formatActionRecords } from '../datastorage-api/format';
import { buildDataStorageApi } from '../datastorage-api/server';

export interface ShowHistoryOptions {
  databaseUrl: string;
  /** `namespace/Kind/name` of the remediated resource. */
  target: string;
  /** Where the lines go (default: stdout). */
  write?: (line: string) => void;
  /** How far back to look (default one day). */
  sinceMs?: number;
}

/** Prints the target's action records as the API returns them; resolves to the number of records. */
export async function showActionHistoryThroughApi(o: ShowHistoryOptions): Promise<number> {
  const write = o.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const token = crypto.randomBytes(24).toString('base64url');
  const pool = createPool({
    databaseUrl: o.databaseUrl,
    max: 2,
    ...API_DATABASE_SESSION,
    applicationName: 'kubernaut-demo-api',
  });
  const app = await buildDataStorageApi({
    reader: createDataStorageReader(pool),
    reviewer: staticTokenReviewer(tokenTable([[token, { user: 'demo', groups: [] }]])),
    maxPageSize: 1000,
    maxWindowDays: 400,
    requestTimeoutMs: 10_000,
    rateLimitPerMinute: 0,
    retryAfterSeconds: 5,
    compressThresholdBytes: 1024,
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const since = new Date(Date.now() - (o.sinceMs ?? 86_400_000)).toISOString();
    const page = await createDataStorageClient({ baseUrl, token }).listActionRecords({
      since,
      target: o.target,
      limit: 50,
    });
    write(`GET ${baseUrl}/api/v1/action-records?since=${since}&target=${o.target}`);
    for (const line of formatActionRecords(page)) write(line);
    return page.records.length;
  } finally {
    await app.close();
    await pool.end();
  }
}
