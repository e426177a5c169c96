import { ConfigurationError, loadWatcherConfig } from '../../src/watcher/config';

describe('loadWatcherConfig', () => {
  it('has a default for everything', () => {
    const c = loadWatcherConfig({});
    expect(c).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'kubernaut-workflow-execution',
      KUBERNAUT_WATCH_NAMESPACES: [],
      KUBERNAUT_WATCHER_RESYNC_INTERVAL_MS: 180_000,
      KUBERNAUT_WATCHER_STATUS_DELAY_MS: 2_000,
      KUBERNAUT_WATCH_REMEDIATION_REQUESTS: true,
      KUBERNAUT_EFFECTIVENESS_SHARDS: 4,
      KUBERNAUT_HTTP_PORT: 9465,
      KUBERNAUT_LOG_LEVEL: 'info',
    });
    expect(c.KUBECONFIG).toBeUndefined();
    // Stated explicitly, so that every report carries it and a watcher left at the default is visible.
    expect(c.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS).toBe(300_000);
  });

  it('reads lists, numbers and switches', () => {
    const c = loadWatcherConfig({
      KUBERNAUT_WATCH_NAMESPACES: ' shop, payments ,,',
      KUBERNAUT_WATCHER_QUEUE_CAPACITY: '500',
      KUBERNAUT_WATCH_REMEDIATION_REQUESTS: 'false',
      KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: '0',
      KUBERNAUT_HTTP_PORT: '0',
      KUBERNAUT_WATCHER_STATUS_DELAY_MS: '0',
    });
    expect(c.KUBERNAUT_WATCH_NAMESPACES).toEqual(['shop', 'payments']);
    expect(c.KUBERNAUT_WATCHER_QUEUE_CAPACITY).toBe(500);
    expect(c.KUBERNAUT_WATCH_REMEDIATION_REQUESTS).toBe(false);
    expect(c.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS).toBe(0);
    expect(c.KUBERNAUT_HTTP_PORT).toBe(0);
    expect(c.KUBERNAUT_WATCHER_STATUS_DELAY_MS).toBe(0);
  });

  it('names each bad variable and its rule', () => {
    expect(() =>
      loadWatcherConfig({ KUBERNAUT_WATCHER_RESYNC_INTERVAL_MS: '-5', KUBERNAUT_LOG_LEVEL: 'loud' }),
    ).toThrow(/KUBERNAUT_WATCHER_RESYNC_INTERVAL_MS: .*\n.*KUBERNAUT_LOG_LEVEL: /s);
    expect(() => loadWatcherConfig({ KUBERNAUT_EFFECTIVENESS_SHARDS: '5000' })).toThrow(ConfigurationError);
    expect(() => loadWatcherConfig({ KUBERNAUT_WATCHER_STATUS_DELAY_MS: '-1' })).toThrow(
      /KUBERNAUT_WATCHER_STATUS_DELAY_MS: must be >= 0/,
    );
    // Beyond what a timer can wait (Node would fire it at once), and beyond any sensible wait.
    expect(() => loadWatcherConfig({ KUBERNAUT_WATCHER_STATUS_DELAY_MS: '3000000000' })).toThrow(
      /KUBERNAUT_WATCHER_STATUS_DELAY_MS: must be at most 3600000/,
    );
  });

  it('refuses a TLS certificate without its key', () => {
    expect(() => loadWatcherConfig({ KUBERNAUT_TEMPORAL_TLS_CERT: '/tls/cert.pem' })).toThrow(
      /KUBERNAUT_TEMPORAL_TLS_CERT and KUBERNAUT_TEMPORAL_TLS_KEY go together/,
    );
  });
});
