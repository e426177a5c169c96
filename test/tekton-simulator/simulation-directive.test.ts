import { attemptBehaviour, readSimulationDirective } from '../../src/tekton-simulator/simulation-directive';

const inputs = (value: unknown) => [
  { name: 'inputs', value: typeof value === 'string' ? value : JSON.stringify(value) },
];

describe('readSimulationDirective', () => {
  it('defaults to success when inputs carry no simulate key, or are not JSON at all', () => {
    expect(readSimulationDirective(inputs({ pod: 'api-0' }))).toEqual({ ok: true, directive: { outcome: 'succeed' } });
    expect(readSimulationDirective(inputs('not json'))).toEqual({ ok: true, directive: { outcome: 'succeed' } });
    expect(readSimulationDirective(undefined)).toEqual({ ok: true, directive: { outcome: 'succeed' } });
  });

  it('reads outcome, exit code, duration and failing attempts', () => {
    const reading = readSimulationDirective(
      inputs({ simulate: { outcome: 'fail', exitCode: 3, durationMs: 50, failAttempts: 1 } }),
    );
    expect(reading).toEqual({ ok: true, directive: { outcome: 'fail', exitCode: 3, durationMs: 50, failAttempts: 1 } });
  });

  it('names the JSON path and the rule of an invalid directive', () => {
    const reading = readSimulationDirective(inputs({ simulate: { outcome: 'explode', durationMs: -1 } }));
    expect(reading.ok).toBe(false);
    if (reading.ok) return;
    expect(reading.error).toMatch(/simulate\.outcome: .*succeed/);
    expect(reading.error).toMatch(/simulate\.durationMs: .*>=0/);
  });

  it('rejects unknown keys so a typo does not silently mean success', () => {
    const reading = readSimulationDirective(inputs({ simulate: { outcome: 'fail', exitcode: 2 } }));
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.error).toMatch(/exitcode/);
  });
});

describe('attemptBehaviour', () => {
  it('uses the default duration and per-outcome exit codes', () => {
    expect(attemptBehaviour({ outcome: 'succeed' }, 0, 200)).toEqual({
      outcome: 'succeed',
      exitCode: 0,
      durationMs: 200,
    });
    expect(attemptBehaviour({ outcome: 'fail' }, 0, 200)).toEqual({ outcome: 'fail', exitCode: 1, durationMs: 200 });
    expect(attemptBehaviour({ outcome: 'oom' }, 0, 200)).toEqual({ outcome: 'oom', exitCode: 137, durationMs: 200 });
  });

  it('never ends a hanging step on its own', () => {
    expect(attemptBehaviour({ outcome: 'hang', durationMs: 5 }, 0, 200).durationMs).toBeUndefined();
  });

  it('lets attempts after failAttempts succeed', () => {
    const directive = { outcome: 'fail' as const, exitCode: 2, failAttempts: 2 };
    expect(attemptBehaviour(directive, 1, 0).outcome).toBe('fail');
    expect(attemptBehaviour(directive, 2, 0).outcome).toBe('succeed');
  });
});
