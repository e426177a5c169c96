/**
 * The policy the worker validates WorkflowExecutions against *as shipped*: read from the environment of
 * the worker in deploy/ (the Deployment `kubectl apply -k deploy/` installs) or in docker-compose.yml, and
 * turned into a policy by the worker's own configuration code — so a test using it tests what users run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ValidationPolicy } from '../../src/domain/validation';
import { loadWorkerConfig, validationPolicyOf } from '../../src/workers/config';
import { buildKustomization, podSpecOf } from '../deploy/support/kustomize';
import { REPO_ROOT } from '../deploy/support/source-program';

interface EnvVar {
  name: string;
  value?: string;
}

/** The worker container's own variables (those with a literal value) in deploy/. */
export function shippedDeploymentEnvironment(): Record<string, string> {
  const worker = buildKustomization(path.join(REPO_ROOT, 'deploy'), REPO_ROOT)
    .map((l) => l.manifest)
    .find((m) => m.kind === 'Deployment' && m.metadata.name === 'kubernaut-worker');
  const container = worker && podSpecOf(worker)?.containers[0];
  if (!container) throw new Error('deploy/ ships no kubernaut-worker Deployment');
  return Object.fromEntries(
    ((container.env as EnvVar[] | undefined) ?? []).flatMap((v) => (v.value === undefined ? [] : [[v.name, v.value]])),
  );
}

/** The worker service's environment in docker-compose.yml. */
export function shippedComposeEnvironment(): Record<string, string> {
  const compose = parse(fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: { worker: { environment: Record<string, string> } };
  };
  return compose.services.worker.environment;
}

/** The validation policy a worker started with `env` applies (the database URL is irrelevant to it). */
export function workerPolicyOf(env: Record<string, string>): ValidationPolicy {
  return validationPolicyOf(loadWorkerConfig({ DATABASE_URL: 'postgres://unused', ...env }));
}

/** The policy of the worker deploy/ ships. */
export function shippedWorkerPolicy(): ValidationPolicy {
  return workerPolicyOf(shippedDeploymentEnvironment());
}
