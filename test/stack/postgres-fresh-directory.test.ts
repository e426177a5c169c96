/**
 * The embedded PostgreSQL starts where no stack directory exists yet: `npm run bench:datastorage` on a fresh
 * clone calls it before anything else has made `.stack/` (it failed there with ENOENT).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadStackConfig } from '../../src/stack/config';
import { stackLayout } from '../../src/stack/layout';
import { startPostgres, stopPostgres } from '../../src/stack/postgres';

jest.setTimeout(120_000);

describe('embedded PostgreSQL on a fresh clone', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernaut-pg-'));
  fs.chmodSync(parent, 0o755); // PostgreSQL may run as another user (when we are root): it passes through
  const layout = stackLayout(path.join(parent, 'not-made-yet', '.stack'));
  const config = loadStackConfig({ KUBERNAUT_STACK_POSTGRES_PORT: '25632' });

  afterAll(async () => {
    await stopPostgres(layout);
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it('makes the stack directory, starts, and serves the stack database', async () => {
    expect(fs.existsSync(layout.root)).toBe(false);
    const { url, embedded } = await startPostgres(config, layout);
    expect(embedded).toBe(true);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(url).toContain(`/${rows[0]!.db}`);
    } finally {
      await client.end();
    }
    expect(await stopPostgres(layout)).toBe(true);
  });
});
