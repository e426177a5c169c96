import { readSimulatorConfig } from '../../src/tekton-simulator/config';

describe('readSimulatorConfig', () => {
  it('defaults to all namespaces, a 5 s resync, 200 ms steps and Strict field validation', () => {
    expect(readSimulatorConfig({})).toEqual({
      namespaces: [],
      resyncIntervalMs: 5000,
      defaultStepDurationMs: 200,
      concurrency: 8,
      fieldValidation: 'Strict',
      logLevel: 'info',
    });
  });

  it('reads namespaces as a comma-separated list and durations as integers', () => {
    const config = readSimulatorConfig({
      KUBERNAUT_SIMULATOR_NAMESPACES: ' demo, shop ,',
      KUBERNAUT_SIMULATOR_RESYNC_INTERVAL_MS: '2000',
      KUBERNAUT_SIMULATOR_DEFAULT_STEP_DURATION_MS: '0',
    });
    expect(config).toMatchObject({ namespaces: ['demo', 'shop'], resyncIntervalMs: 2000, defaultStepDurationMs: 0 });
  });

  it('names every invalid variable and its rule', () => {
    expect(() =>
      readSimulatorConfig({
        KUBERNAUT_SIMULATOR_RESYNC_INTERVAL_MS: 'soon',
        KUBERNAUT_SIMULATOR_FIELD_VALIDATION: 'Loose',
      }),
    ).toThrow(/KUBERNAUT_SIMULATOR_RESYNC_INTERVAL_MS: .*number[\s\S]*KUBERNAUT_SIMULATOR_FIELD_VALIDATION: .*Strict/);
  });
});
