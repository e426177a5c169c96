// The human CLI against a running API: `npm run datastorage -- history --target …` and friends print
// tables of what the API answers, and an API error as the problem's detail.
import { dataStorageProgram, sinceArgument } from '../../src/datastorage-api/cli';
import { showActionHistoryThroughApi } from '../../src/demo/action-history-through-api';
import { startApi, type ApiUnderTest } from './support/api';
import { seed, TARGETS } from './support/seed';

let api: ApiUnderTest;

beforeAll(async () => {
  api = await startApi();
  await seed(api.db, 9);
});
afterAll(() => api?.stop());

async function run(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await dataStorageProgram()
      .exitOverride()
      .parseAsync(['node', 'datastorage', ...args, '--url', api.url, '--token', api.token]);
  } finally {
    spy.mockRestore();
  }
  return lines.join('');
}

it('history prints the records of a target as a table', async () => {
  const text = await run('history', '--target', TARGETS[0]!, '--since', '30d');
  const lines = text.trim().split('\n');
  expect(lines[0]).toMatch(/^EXECUTION START\s+TARGET\s+ACTION TYPE\s+STEP\s+STATUS\s+DURATION/);
  expect(lines.slice(1)).toHaveLength(6); // 3 WFEs of the 9 on TARGETS[0], 2 steps each
  for (const line of lines.slice(1)) expect(line).toContain(TARGETS[0]);
});

it('history --json prints the API answer, following pages', async () => {
  const text = await run('history', '--since', '30d', '--limit', '5', '--pages', '2', '--json');
  const pages = text
    .trim()
    .split(/\n(?=\{)/)
    .map((p) => JSON.parse(p) as { records: unknown[] });
  expect(pages.map((p) => p.records.length)).toEqual([5, 5]);
});

it('stats and assessments print tables', async () => {
  expect(await run('stats', '--days', '30')).toMatch(/ACTION TYPE\s+TOTAL\s+SUCCEEDED[\s\S]*\nall\s+18\s/);
  expect(await run('assessment', 'prod/rr-1')).toMatch(/prod\/rr-1/);
});

it('reports an API error with the problem detail', async () => {
  await expect(run('history', '--since', '2000-01-01T00:00:00Z')).rejects.toThrow(
    /400 Invalid request parameter: since: the window since..until must not exceed 400 days/,
  );
});

it('reads --since as a duration before now or a timestamp', () => {
  const now = Date.parse('2026-06-10T12:00:00Z');
  expect(sinceArgument('7d', now)).toBe('2026-06-03T12:00:00.000Z');
  expect(sinceArgument('90m', now)).toBe('2026-06-10T10:30:00.000Z');
  expect(sinceArgument('2026-01-01T00:00:00Z', now)).toBe('2026-01-01T00:00:00Z');
  expect(() => sinceArgument('last week', now)).toThrow(/duration before now/);
});

it('gives the demo one query through the API', async () => {
  const lines: string[] = [];
  const n = await showActionHistoryThroughApi({
    databaseUrl: api.readerUrl,
    target: TARGETS[1]!,
    write: (l) => lines.push(l),
    sinceMs: 30 * 86_400_000,
  });
  expect(n).toBe(6);
  expect(lines[0]).toMatch(
    /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/action-records\?since=.*&target=prod\/Deployment\/api$/,
  );
  expect(lines).toHaveLength(1 + 1 + 6);
});
