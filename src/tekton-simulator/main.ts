/**
 * `npm run simulator`: the Tekton simulator as a standalone process (the local stack and the demo run it
 * next to the worker; bench:execution measures it as a process of its own). Reads KUBECONFIG and
 * KUBERNAUT_SIMULATOR_* (config.ts), logs with pino, answers 'stats' on an IPC channel when it has one, and stops
 * cleanly on SIGTERM/SIGINT: in-flight reconciles finish, watches close, then the process exits.
 */
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { withConnectionReuse } from '../kubernetes/connection-reuse';
import { readSimulatorConfig } from './config';
import { startTektonSimulator } from './simulator';

async function main(): Promise<void> {
  const config = readSimulatorConfig(process.env);
  const logger = pino({ name: 'tekton-simulator', level: config.logLevel });
  // Keep-alive connections, as Tekton's controller keeps them (client-go): a TLS handshake per request would
  // cost this process and the API server more than the reconciling itself.
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  withConnectionReuse(kubeConfig);
  logger.info({ server: kubeConfig.getCurrentCluster()?.server }, 'using Kubernetes API server');

  const simulator = startTektonSimulator({
    kubeConfig,
    namespaces: config.namespaces,
    resyncIntervalMs: config.resyncIntervalMs,
    defaultStepDurationMs: config.defaultStepDurationMs,
    concurrency: config.concurrency,
    fieldValidation: config.fieldValidation,
    logger,
  });

  // Started with an IPC channel (a benchmark measuring it as a process of its own): 'stats' asks for its counters.
  process.on('message', (message) => {
    if (message === 'stats') process.send?.(simulator.stats());
  });

  await simulator.ready;
  logger.info('tekton simulator running');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    simulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  // Configuration errors and the like: say what is wrong and exit non-zero.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
