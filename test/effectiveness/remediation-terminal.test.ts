import fc from 'fast-check';
import {
  InvalidRemediationTerminalError,
  readRemediationTerminal,
  type RemediationTerminal,
} from '../../src/domain/effectiveness/remediation-terminal';
import {
  RemediationTerminalSchema,
  describeSignalProblems,
  parseRemediationTerminal,
} from '../../src/domain/effectiveness/remediation-terminal-schema';

const valid = {
  remediation: { id: '6f1c2a9e-uid', namespace: 'prod', name: 'rr-web-oom' },
  phase: 'Completed',
  workflowExecution: { namespace: 'prod', name: 'wfe-web-oom', uid: 'a1b2' },
  target: 'prod/Deployment/web',
  actionTypes: ['kubernetes/restart_pod'],
  endedAt: '2025-10-01T12:00:00Z',
};

/** The monitor's reading (no zod), thrown as the sender's parse throws, so one table checks both ends. */
function readByMonitor(input: unknown): RemediationTerminal {
  const read = readRemediationTerminal(input);
  if (!read.ok) throw new InvalidRemediationTerminalError(read.problems);
  return read.value;
}

describe.each([
  ['the sender (zod schema)', parseRemediationTerminal],
  ['the monitor (readRemediationTerminal)', readByMonitor],
])('the remediationTerminal signal as read by %s', (_end, parse) => {
  it('accepts a signal from the WorkflowExecution workflow', () => {
    expect(parse(valid)).toEqual(valid);
  });

  it('accepts the watcher’s signal without a WFE reference or action types, for a cluster-scoped target', () => {
    const { workflowExecution: _omit, ...rest } = valid;
    const parsed = parse({ ...rest, target: 'Node/worker-1', actionTypes: [], phase: 'TimedOut' });
    expect(parsed.workflowExecution).toBeUndefined();
    expect(parsed.target).toBe('Node/worker-1');
  });

  it('accepts every terminal phase', () => {
    for (const phase of ['Completed', 'Failed', 'TimedOut', 'Cancelled', 'Skipped']) {
      expect(parse({ ...valid, phase }).phase).toBe(phase);
    }
  });

  it('leaves out what the signal does not define', () => {
    expect(parse({ ...valid, extra: 1, remediation: { ...valid.remediation, uid: 'x' } })).toStrictEqual(valid);
  });

  it.each([
    {
      change: { phase: 'Executing' },
      message: '$.phase: must be one of Completed, Failed, TimedOut, Cancelled, Skipped',
    },
    { change: { target: 'web' }, message: '$.target: must be `namespace/Kind/name` or `Kind/name`' },
    { change: { target: 'prod//web' }, message: '$.target: must be `namespace/Kind/name` or `Kind/name`' },
    { change: { actionTypes: ['ok', ''] }, message: '$.actionTypes[1]: must be a non-empty string' },
    { change: { endedAt: '2025-10-01' }, message: '$.endedAt: must be an RFC 3339 timestamp' },
    { change: { endedAt: '2025-02-29T12:00:00Z' }, message: '$.endedAt: must be an RFC 3339 timestamp' },
    {
      change: { remediation: { id: '', namespace: 'prod', name: 'rr' } },
      message: '$.remediation.id: must be a non-empty string',
    },
    { change: { workflowExecution: { namespace: 'prod', name: 'w' } }, message: '$.workflowExecution.uid' },
    { change: { stabilizationWindowMs: -1 }, message: '$.stabilizationWindowMs: must be >= 0' },
    {
      change: { stabilizationWindowMs: 1.5 },
      message: '$.stabilizationWindowMs: Invalid input: expected int, received number',
    },
    { change: { target: 7 }, message: '$.target: Invalid input: expected string, received number' },
    { change: { remediation: null }, message: '$.remediation: Invalid input: expected object, received null' },
  ])('rejects $change with “$message”', ({ change, message }) => {
    expect(() => parse({ ...valid, ...change })).toThrow(message);
  });
});

/**
 * The schema's problems as production words them. Under jest a plain object is named `Object` instead of
 * `object`: zod keeps its configuration (the English messages) on globalThis, jest copies the globals of
 * the process into each test file's realm, and the zod that globalSetup loaded there compares the test's
 * objects with its own realm's Object.prototype.
 */
const problemsOf = (error: Parameters<typeof describeSignalProblems>[0]) =>
  describeSignalProblems(error).map((problem) => problem.replace(/received Object$/, 'received object'));

describe('readRemediationTerminal and the zod schema', () => {
  /** Values each rule must tell apart; fast-check adds its own. */
  const tricky = fc.constantFrom<unknown>(
    undefined,
    null,
    true,
    '',
    ' ',
    'x',
    'Completed',
    'Executing',
    'Node/worker-1',
    'a/B/c/d',
    '2025-10-01T12:00:00Z',
    '2024-02-29T23:59:59.123+14:00',
    '2025-10-01T12:00:00',
    0,
    -0,
    -1,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    2 ** 53,
    -(2 ** 53),
    1e300,
    -1e300,
    [],
    [''],
    Array.from({ length: 50 }, () => 'a/b'),
    Array.from({ length: 51 }, () => 'a/b'),
    'x'.repeat(51),
    '😀'.repeat(26), // 52 UTF-16 units, 26 code points
    {},
    { length: 0 },
    { length: 51 },
  );
  const anyValue = fc.oneof(tricky, fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 8 }), fc.double());
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  /** Mostly well-formed timestamps with a day, hour or offset out of range now and then (leap days too). */
  const timestamp = fc
    .record({
      year: fc.oneof(fc.constantFrom(0, 1900, 2000, 2023, 2024, 2100, 2400), fc.integer({ min: 0, max: 9999 })),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 24 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 60 }),
      fraction: fc.constantFrom('', '.5', '.123456789', '.'),
      offset: fc.constantFrom('Z', 'z', '+02:00', '-23:59', '+24:00', '+0200', ''),
    })
    .map(
      (t) =>
        `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:` +
        `${pad(t.second, 2)}${t.fraction}${t.offset}`,
    );
  const nested = (fields: Record<string, unknown>) =>
    fc.record(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fc.oneof(fc.constant(v), anyValue)])), {
      requiredKeys: [],
    });
  /** The valid signal with fields changed, dropped or added: each rule gets inputs near its edges. */
  const signal = fc.record(
    {
      remediation: fc.oneof(nested(valid.remediation), anyValue),
      phase: fc.oneof(fc.constantFrom('Completed', 'Skipped', 'Running'), anyValue),
      workflowExecution: fc.oneof(nested(valid.workflowExecution), anyValue),
      target: fc.oneof(fc.constantFrom(valid.target, 'Node/n', 'a b/C/d', 'x//y'), anyValue),
      actionTypes: fc.oneof(fc.array(fc.oneof(fc.constant('a/b'), anyValue), { maxLength: 3 }), anyValue),
      endedAt: fc.oneof(timestamp, anyValue),
      stabilizationWindowMs: fc.oneof(fc.integer({ min: -5, max: 600_000 }), anyValue),
      extra: anyValue,
    },
    { requiredKeys: [] },
  );

  it('accept the same signals, read them the same, and name the same problems', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: signal }, { weight: 1, arbitrary: anyValue }), (input) => {
        const parsed = RemediationTerminalSchema.safeParse(input);
        const read = readRemediationTerminal(input);
        if (parsed.success) {
          expect(read).toStrictEqual({ ok: true, value: parsed.data });
          if (read.ok) expect(JSON.stringify(read.value)).toBe(JSON.stringify(parsed.data)); // key order too
        } else {
          expect(read).toEqual({ ok: false, problems: problemsOf(parsed.error) });
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('agree on timestamps, day by day', () => {
    fc.assert(
      fc.property(timestamp, (endedAt) => {
        const input = { ...valid, endedAt };
        expect(readRemediationTerminal(input).ok).toBe(RemediationTerminalSchema.safeParse(input).success);
      }),
      { numRuns: 5000 },
    );
  });
});
