/**
 * Ports and options of the local stack, from the environment, validated once.
 * Defaults sit well away from the usual ports (7233, 5432, 2379, 6443 …) so the stack can run beside
 * other servers; every one can be moved with an environment variable.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(1024).max(65535);

/** Who plays Tekton on the stack's API server (cluster.ts). */
export const TEKTON_MODES = ['controller', 'simulator'] as const;
export type TektonMode = (typeof TEKTON_MODES)[number];

const StackConfigSchema = z.object({
  KUBERNAUT_STACK_TEMPORAL_PORT: port.default(17233),
  KUBERNAUT_STACK_TEMPORAL_UI_PORT: port.default(18233),
  KUBERNAUT_STACK_ETCD_PORT: port.default(12379),
  KUBERNAUT_STACK_ETCD_PEER_PORT: port.default(12380),
  KUBERNAUT_STACK_APISERVER_PORT: port.default(16443),
  KUBERNAUT_STACK_POSTGRES_PORT: port.default(15432),
  /** Tekton's controller probes; its admission webhook listens one above, the webhook's probes two above. */
  KUBERNAUT_STACK_TEKTON_PORT: port.default(16450),
  KUBERNAUT_STACK_REGISTRY_PORT: port.default(15050),
  /**
   * `/metrics` `/healthz` `/readyz` of the worker and watcher the demo starts beside the stack: the worker
   * here, the watcher one above, the worker's Temporal SDK metrics two above (away from 9464–9466).
   */
  KUBERNAUT_STACK_DEMO_PORT: port.default(19464),
  /**
   * `controller`: Tekton's own controller and webhook run PipelineRuns on KWOK's node (tests, the demo).
   * `simulator`: only Tekton's CRDs; the in-repo simulator plays Tekton (`bench:execution --tekton simulator`).
   */
  KUBERNAUT_STACK_TEKTON: z.enum(TEKTON_MODES).default('controller'),
  /** How long a step whose inputs set no `simulate.durationMs` runs on KWOK's fake node. */
  KUBERNAUT_STACK_STEP_DURATION_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
  /** A real PostgreSQL server; when unset the stack runs an embedded one. */
  DATABASE_URL: z.string().url().optional(),
  /** Deadline for each server to report healthy. */
  KUBERNAUT_STACK_START_TIMEOUT_MS: z.coerce.number().int().positive().default(90_000),
});

export interface StackConfig {
  temporalPort: number;
  temporalUiPort: number;
  etcdPort: number;
  etcdPeerPort: number;
  apiserverPort: number;
  postgresPort: number;
  tekton: TektonMode;
  tektonPort: number;
  registryPort: number;
  demoPort: number;
  defaultStepDurationMs: number;
  databaseUrl?: string;
  startTimeoutMs: number;
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const parsed = StackConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid local stack configuration: ${problems}`);
  }
  const c = parsed.data;
  return {
    temporalPort: c.KUBERNAUT_STACK_TEMPORAL_PORT,
    temporalUiPort: c.KUBERNAUT_STACK_TEMPORAL_UI_PORT,
    etcdPort: c.KUBERNAUT_STACK_ETCD_PORT,
    etcdPeerPort: c.KUBERNAUT_STACK_ETCD_PEER_PORT,
    apiserverPort: c.KUBERNAUT_STACK_APISERVER_PORT,
    postgresPort: c.KUBERNAUT_STACK_POSTGRES_PORT,
    tekton: c.KUBERNAUT_STACK_TEKTON,
    tektonPort: c.KUBERNAUT_STACK_TEKTON_PORT,
    registryPort: c.KUBERNAUT_STACK_REGISTRY_PORT,
    demoPort: c.KUBERNAUT_STACK_DEMO_PORT,
    defaultStepDurationMs: c.KUBERNAUT_STACK_STEP_DURATION_MS,
    databaseUrl: c.DATABASE_URL,
    startTimeoutMs: c.KUBERNAUT_STACK_START_TIMEOUT_MS,
  };
}
