/**
 * Where the local stack keeps things, and which versions of its tools it uses.
 *
 * Two places on purpose:
 * - the *tool cache* (per user, per version; `KUBERNAUT_CACHE_DIR`, default `$XDG_CACHE_HOME/kubernaut-temporal`)
 *   holds built binaries and prepared CRDs, so a fresh clone on the same machine (which is what CI is) reuses them;
 * - the *state directory* (per checkout; `KUBERNAUT_STACK_DIR`, default `<repo>/.stack`, git-ignored) holds pid
 *   files, logs, the Temporal db file, etcd and PostgreSQL data, certificates and the kubeconfig.
 */
import os from 'node:os';
import path from 'node:path';

export const TOOL_VERSIONS = {
  temporalCli: 'v1.5.1',
  /** kube-apiserver, kube-controller-manager, kube-scheduler (staging modules at v0.34.x). */
  kubernetes: 'v1.34.4',
  /** 3.5: client-go 0.34 watches need RequestWatchProgress, which Debian's etcd 3.4 lacks. */
  etcd: 'v3.5.35',
  kwok: 'v0.8.0',
  /** Controller, admission webhook, CRDs and configuration of Tekton Pipelines. */
  tektonPipeline: 'v1.7.0',
  /** go-containerregistry's crane: the local OCI registry and the action images. */
  crane: 'v0.22.1',
} as const;

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export function toolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBERNAUT_CACHE_DIR) return path.resolve(env.KUBERNAUT_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'kubernaut-temporal');
}

export function stackDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBERNAUT_STACK_DIR ? path.resolve(env.KUBERNAUT_STACK_DIR) : path.join(PROJECT_ROOT, '.stack');
}

export interface StackLayout {
  root: string;
  pids: string;
  logs: string;
  certs: string;
  etcdData: string;
  postgresData: string;
  temporalDb: string;
  kubeconfig: string;
  /** Connection info of the running stack, read by tests, the demo and developers' tools. */
  info: string;
}

export function stackLayout(root = stackDir()): StackLayout {
  return {
    root,
    pids: path.join(root, 'pids'),
    logs: path.join(root, 'logs'),
    certs: path.join(root, 'certs'),
    etcdData: path.join(root, 'etcd'),
    postgresData: path.join(root, 'postgres'),
    temporalDb: path.join(root, 'temporal.db'),
    kubeconfig: path.join(root, 'kubeconfig'),
    info: path.join(root, 'stack.json'),
  };
}

export const CRD_DIR = path.join(PROJECT_ROOT, 'deploy', 'crds');
