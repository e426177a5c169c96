import { ConfigurationError, loadWorkerConfig, validationPolicyOf } from '../../src/workers/config';

const minimal = { DATABASE_URL: 'postgres://kubernaut@db:5432/kubernaut' };

describe('loadWorkerConfig', () => {
  it('gives every option a safe default but the database', () => {
    const c = loadWorkerConfig(minimal);
    expect(c).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'kubernaut-workflow-execution',
      KUBERNAUT_MIGRATE_ON_START: true,
      KUBERNAUT_REQUIRE_DIGEST: true,
      KUBERNAUT_ALLOWED_REGISTRIES: [],
      KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: ['kubernaut-action-runner'],
      KUBERNAUT_WATCH_NAMESPACES: [],
      KUBERNAUT_HTTP_PORT: 9464,
    });
  });

  it('names the missing database URL and how it looks', () => {
    expect(() => loadWorkerConfig({})).toThrow(ConfigurationError);
    expect(() => loadWorkerConfig({})).toThrow(/DATABASE_URL.*postgres:\/\//);
  });

  it('reads switches and lists', () => {
    const c = loadWorkerConfig({
      ...minimal,
      KUBERNAUT_MIGRATE_ON_START: 'false',
      KUBERNAUT_REQUIRE_DIGEST: '1',
      KUBERNAUT_ALLOWED_REGISTRIES: 'ghcr.io/kubernaut, quay.io/acme ,',
    });
    expect(c.KUBERNAUT_MIGRATE_ON_START).toBe(false);
    expect(c.KUBERNAUT_REQUIRE_DIGEST).toBe(true);
    expect(c.KUBERNAUT_ALLOWED_REGISTRIES).toEqual(['ghcr.io/kubernaut', 'quay.io/acme']);
  });

  it('validates WorkflowExecutions against a policy: digests required, only the runner account, any registry unless listed', () => {
    expect(validationPolicyOf(loadWorkerConfig(minimal))).toEqual({
      requireDigest: true,
      allowedRegistries: [],
      allowedServiceAccounts: ['kubernaut-action-runner'],
      cooldownBoundsMs: { min: 0, max: 3_600_000 },
    });
    const configured = loadWorkerConfig({
      ...minimal,
      KUBERNAUT_REQUIRE_DIGEST: 'false',
      KUBERNAUT_ALLOWED_REGISTRIES: 'ghcr.io/kubernaut/actions',
      KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: 'kubernaut-action-runner, gitops-runner',
    });
    expect(validationPolicyOf(configured)).toEqual({
      requireDigest: false,
      allowedRegistries: ['ghcr.io/kubernaut/actions'],
      allowedServiceAccounts: ['kubernaut-action-runner', 'gitops-runner'],
      cooldownBoundsMs: { min: 0, max: 3_600_000 },
    });
  });

  it('serializes remediations per target by default, with a 5-minute cooldown a WFE may change within bounds', () => {
    const c = loadWorkerConfig(minimal);
    expect(c.KUBERNAUT_TARGET_LOCK).toBe(true);
    expect(c.KUBERNAUT_TARGET_COOLDOWN).toBe(300_000);
    const configured = loadWorkerConfig({
      ...minimal,
      KUBERNAUT_TARGET_LOCK: 'false',
      KUBERNAUT_TARGET_COOLDOWN: '90s',
      KUBERNAUT_TARGET_COOLDOWN_MIN: '30s',
      KUBERNAUT_TARGET_COOLDOWN_MAX: '2h',
    });
    expect(configured.KUBERNAUT_TARGET_LOCK).toBe(false);
    expect(configured.KUBERNAUT_TARGET_COOLDOWN).toBe(90_000);
    expect(validationPolicyOf(configured).cooldownBoundsMs).toEqual({ min: 30_000, max: 7_200_000 });
  });

  it('refuses a cooldown that is no duration, and bounds the wrong way round', () => {
    expect(() => loadWorkerConfig({ ...minimal, KUBERNAUT_TARGET_COOLDOWN: '5 minutes' })).toThrow(
      /KUBERNAUT_TARGET_COOLDOWN: "5 minutes" must be a Go duration/,
    );
    expect(() => loadWorkerConfig({ ...minimal, KUBERNAUT_TARGET_COOLDOWN: '-1m' })).toThrow(ConfigurationError);
    expect(() =>
      loadWorkerConfig({ ...minimal, KUBERNAUT_TARGET_COOLDOWN_MIN: '10m', KUBERNAUT_TARGET_COOLDOWN_MAX: '5m' }),
    ).toThrow(/KUBERNAUT_TARGET_COOLDOWN_MIN must not be longer than KUBERNAUT_TARGET_COOLDOWN_MAX/);
  });

  it('turns the ServiceAccount policy off only when told so with *, alone', () => {
    const any = loadWorkerConfig({ ...minimal, KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: '*' });
    expect(validationPolicyOf(any).allowedServiceAccounts).toEqual([]);
    expect(
      loadWorkerConfig({ ...minimal, KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: ' , ' }).KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS,
    ).toEqual(['kubernaut-action-runner']);
    expect(() => loadWorkerConfig({ ...minimal, KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: '*,runner' })).toThrow(
      /KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: \* allows any ServiceAccount: list nothing else with it/,
    );
    expect(() => loadWorkerConfig({ ...minimal, KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: 'Runner' })).toThrow(
      /KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: must be ServiceAccount names/,
    );
  });

  it('lists every invalid value at once', () => {
    let message = '';
    try {
      loadWorkerConfig({ ...minimal, KUBERNAUT_HTTP_PORT: '70000', KUBERNAUT_LOG_LEVEL: 'loud' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('KUBERNAUT_HTTP_PORT');
    expect(message).toContain('KUBERNAUT_LOG_LEVEL');
  });

  it('refuses half an mTLS pair', () => {
    expect(() => loadWorkerConfig({ ...minimal, KUBERNAUT_TEMPORAL_TLS_CERT: '/tls/client.crt' })).toThrow(
      /TLS_CERT and KUBERNAUT_TEMPORAL_TLS_KEY go together/,
    );
  });
});
