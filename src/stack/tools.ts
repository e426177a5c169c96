/**
 * Installs the local stack's tools once and caches them per user and version (see layout.ts and
 * go-build.ts): the Temporal CLI, etcd 3.5, kube-apiserver / kube-controller-manager / kube-scheduler,
 * KWOK, Tekton's controller and webhook (with its release's CRDs and configuration), and crane are built
 * from the Go module proxy; openssl comes from Debian. Every step is idempotent, prints what it does and
 * how long it took, and a missing prerequisite ends with a message that says exactly what to install.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  goBuildWrapper,
  goInstall,
  MissingPrerequisiteError,
  moduleDir,
  readGoMod,
  requireGo,
  timed,
  toolDir,
  which,
  type Log,
} from './go-build';
import { TOOL_VERSIONS, toolCacheDir } from './layout';
import { readTektonRelease } from './tekton-release';

export { MissingPrerequisiteError, type Log };

export interface Tools {
  temporal: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  /** kubectl of the API server's version, for people and for the tests that drive it as operators do. */
  kubectl: string;
  kwok: string;
  tektonController: string;
  tektonWebhook: string;
  /** The prepared Tekton release (CRDs, ConfigMaps, container environment): tekton-release.ts. */
  tektonRelease: string;
  crane: string;
  openssl: string;
}

function ensureTemporalCli(log: Log): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new MissingPrerequisiteError(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    log(`temporal: using TEMPORAL_CLI_PATH=${fromEnv}`);
    return fromEnv;
  }
  const onPath = which('temporal');
  if (onPath) {
    log(`temporal: using ${onPath} from PATH`);
    return onPath;
  }
  const v = TOOL_VERSIONS.temporalCli;
  return goInstall(log, {
    name: 'temporal',
    module: 'github.com/temporalio/cli/cmd/temporal',
    version: v,
    ldflags: `-X github.com/temporalio/cli/temporalcli.Version=${v.slice(1)}`,
  });
}

/**
 * kube-apiserver, kube-controller-manager and kube-scheduler from one wrapper module: k8s.io/kubernetes
 * replaces its staging modules (k8s.io/api, client-go …) with local paths, restated here as the published
 * `v0.<minor>.<patch>` versions. The version is stamped at link time: unstamped, the server reports
 * `v0.0.0-master` and Tekton's controller refuses to start against it.
 */
function ensureKubernetes(log: Log): { kubeApiserver: string; kubeControllerManager: string; kubeScheduler: string } {
  const dir = buildKubernetesCommands(log, 'kubernetes', [
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
  ]);
  return {
    kubeApiserver: path.join(dir, 'kube-apiserver'),
    kubeControllerManager: path.join(dir, 'kube-controller-manager'),
    kubeScheduler: path.join(dir, 'kube-scheduler'),
  };
}

/**
 * kubectl of the same release, cached apart from the servers (a cache built before it keeps its servers):
 * with Go's build cache warm from them, a minute or two.
 */
function ensureKubectl(log: Log): string {
  return path.join(buildKubernetesCommands(log, 'kubectl', ['kubectl']), 'kubectl');
}

/** Commands of k8s.io/kubernetes, version-stamped, into the tool directory `name`; returns it. */
function buildKubernetesCommands(log: Log, name: string, commands: string[]): string {
  const version = TOOL_VERSIONS.kubernetes;
  const [major, minor, patch] = version.slice(1).split('.');
  const dir = toolDir(name, version);
  if (commands.every((c) => fs.existsSync(path.join(dir, c)))) {
    log(`${name} ${version}: cached at ${dir}`);
    return dir;
  }
  const go = requireGo(commands[0]!);
  const staging = (readGoMod(go, 'k8s.io/kubernetes', version).Replace ?? []).filter((r) =>
    r.New.Path.startsWith('./staging/'),
  );
  const stamp = (k: string, v: string) => `-X k8s.io/component-base/version.${k}=${v}`;
  return goBuildWrapper(
    log,
    {
      name,
      version,
      module: 'k8s.io/kubernetes',
      replace: staging.map((r) => `${r.Old.Path} => ${r.Old.Path} v0.${minor}.${patch}`),
      commands: commands.map((c) => ({ pkg: `k8s.io/kubernetes/cmd/${c}` })),
      ldflags: [
        stamp('gitVersion', version),
        stamp('gitMajor', major!),
        stamp('gitMinor', minor!),
        stamp('gitCommit', '0000000000000000000000000000000000000000'),
        stamp('gitTreeState', 'clean'),
        stamp('buildDate', '2026-01-01T00:00:00Z'),
      ].join(' '),
    },
    go,
  );
}

/** etcd's server module cannot be `go install`ed: a one-line `main` calls its own entry point. */
function ensureEtcd(log: Log): string {
  const version = TOOL_VERSIONS.etcd;
  const dir = goBuildWrapper(log, {
    name: 'etcd',
    version,
    module: 'go.etcd.io/etcd/server/v3',
    replace: [],
    commands: [{ pkg: '.', output: 'etcd' }],
    files: {
      'main.go': [
        '// Runs etcd: the server module has no installable command of its own.',
        'package main',
        '',
        'import (',
        '\t"os"',
        '',
        '\t"go.etcd.io/etcd/server/v3/etcdmain"',
        ')',
        '',
        'func main() { etcdmain.Main(os.Args) }',
        '',
      ].join('\n'),
    },
  });
  return path.join(dir, 'etcd');
}

/**
 * Tekton's controller and admission webhook (a wrapper module restating Tekton's own `replace` pins),
 * plus the release's CRDs and configuration from the same module (tekton-release.ts).
 */
function ensureTekton(log: Log): { tektonController: string; tektonWebhook: string; tektonRelease: string } {
  const version = TOOL_VERSIONS.tektonPipeline;
  const module = 'github.com/tektoncd/pipeline';
  const dir = toolDir('tekton', version);
  const release = path.join(dir, 'release.json');
  const binaries = { tektonController: path.join(dir, 'controller'), tektonWebhook: path.join(dir, 'webhook') };
  if (fs.existsSync(release) && Object.values(binaries).every((b) => fs.existsSync(b))) {
    log(`tekton ${version}: cached at ${dir}`);
    return { ...binaries, tektonRelease: release };
  }
  const go = requireGo('the Tekton controller');
  const pins = (readGoMod(go, module, version).Replace ?? []).filter((r) => r.New.Version);
  goBuildWrapper(
    log,
    {
      name: 'tekton',
      version,
      module,
      replace: pins.map((r) => `${r.Old.Path} => ${r.New.Path} ${r.New.Version}`),
      commands: [{ pkg: `${module}/cmd/controller` }, { pkg: `${module}/cmd/webhook` }],
    },
    go,
  );
  const prepared = readTektonRelease(moduleDir(go, module, version), version);
  fs.writeFileSync(`${release}.tmp`, JSON.stringify(prepared));
  fs.renameSync(`${release}.tmp`, release);
  return { ...binaries, tektonRelease: release };
}

/** Installs a Debian package when its command is missing (as root, through apt-get). */
function ensureDebianCommand(log: Log, command: string, pkg: string): string {
  const found = which(command) ?? (fs.existsSync(`/usr/bin/${command}`) ? `/usr/bin/${command}` : undefined);
  if (found) {
    log(`${command}: ${found}`);
    return found;
  }
  const aptGet = which('apt-get');
  const isRoot = process.getuid?.() === 0;
  if (!aptGet || !isRoot) {
    throw new MissingPrerequisiteError(
      `'${command}' is not installed. Install the Debian/Ubuntu package '${pkg}' ` +
        `(sudo apt-get install -y ${pkg}).`,
    );
  }
  timed(log, `${command}: apt-get install ${pkg}`, () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync(aptGet, ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync(aptGet, ['install', '-y', '-qq', pkg], { stdio: 'inherit', env });
    if (r.status !== 0) throw new MissingPrerequisiteError(`apt-get install ${pkg} failed; install it by hand`);
  });
  const installed = which(command) ?? `/usr/bin/${command}`;
  if (!fs.existsSync(installed)) throw new MissingPrerequisiteError(`${pkg} installed but '${command}' not found`);
  return installed;
}

export function ensureTools(log: Log = console.log): Tools {
  fs.mkdirSync(path.join(toolCacheDir(), 'tools'), { recursive: true });
  const started = Date.now();
  const openssl = ensureDebianCommand(log, 'openssl', 'openssl');
  const temporal = ensureTemporalCli(log);
  const etcd = ensureEtcd(log);
  const kubernetes = ensureKubernetes(log);
  const kubectl = ensureKubectl(log);
  const kwok = goInstall(log, { name: 'kwok', module: 'sigs.k8s.io/kwok/cmd/kwok', version: TOOL_VERSIONS.kwok });
  const crane = goInstall(log, {
    name: 'crane',
    module: 'github.com/google/go-containerregistry/cmd/crane',
    version: TOOL_VERSIONS.crane,
  });
  const tekton = ensureTekton(log);
  log(`tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s (cache: ${toolCacheDir()})`);
  return { temporal, etcd, ...kubernetes, kubectl, kwok, crane, ...tekton, openssl };
}
