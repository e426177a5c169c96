/**
 * Installs the local stack's tools once and caches them per user and version (see layout.ts):
 * the Temporal CLI and apiextensions-apiserver are built with `go install`, etcd and openssl come from
 * Debian packages, and Tekton's real v1 CRDs are taken from the tektoncd/pipeline Go module.
 * Every step is idempotent, prints what it does and how long it took, and a missing prerequisite
 * ends with a message that says exactly what to install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { TOOL_VERSIONS, toolCacheDir } from './layout';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

export interface Tools {
  temporal: string;
  apiserver: string;
  etcd: string;
  openssl: string;
  /** Directory with Tekton's PipelineRun and TaskRun CRDs, v1 only, conversion stripped. */
  tektonCrds: string;
}

export type Log = (message: string) => void;

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function timed<T>(log: Log, what: string, work: () => T): T {
  const started = Date.now();
  log(`${what} …`);
  const result = work();
  log(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function requireGo(forWhat: string): string {
  const go = which('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new MissingPrerequisiteError(
      `Go 1.25 or newer is needed to build ${forWhat}, and no 'go' was found on PATH. ` +
        `Install Go (https://go.dev/doc/install, or 'apt-get install golang-1.25'), ` +
        `or point the stack at existing binaries (TEMPORAL_CLI_PATH, KUBERNAUT_APISERVER_PATH).`,
    );
  }
  return go;
}

/** Builds `module@version` with `go install` into `<cache>/tools/<name>-<version>/`, atomically. */
function goInstall(log: Log, name: string, module: string, version: string, ldflags?: string): string {
  const dir = path.join(toolCacheDir(), 'tools', `${name}-${version}`);
  const binary = path.join(dir, name);
  if (fs.existsSync(binary)) {
    log(`${name} ${version}: cached at ${binary}`);
    return binary;
  }
  const go = requireGo(name);
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), `.${name}-`));
  timed(log, `${name} ${version}: building with go install (several minutes on 2 cores)`, () => {
    const args = ['install', ...(ldflags ? ['-ldflags', ldflags] : []), `${module}@${version}`];
    const r = spawnSync(go, args, {
      cwd: os.tmpdir(),
      env: { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new MissingPrerequisiteError(
        `'go install ${module}@${version}' failed (exit ${r.status}); see the output above. ` +
          `It needs the Go module proxy to be reachable.`,
      );
    }
  });
  const built = fs.readdirSync(staging).find((f) => !f.startsWith('.'));
  if (!built) throw new MissingPrerequisiteError(`go install ${module}@${version} produced no binary`);
  if (built !== name) fs.renameSync(path.join(staging, built), path.join(staging, name));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return binary;
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
  return goInstall(
    log,
    'temporal',
    'github.com/temporalio/cli/cmd/temporal',
    v,
    `-X github.com/temporalio/cli/temporalcli.Version=${v.slice(1)}`,
  );
}

function ensureApiserver(log: Log): string {
  const fromEnv = process.env.KUBERNAUT_APISERVER_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) {
      throw new MissingPrerequisiteError(`KUBERNAUT_APISERVER_PATH=${fromEnv} does not exist`);
    }
    log(`apiextensions-apiserver: using KUBERNAUT_APISERVER_PATH=${fromEnv}`);
    return fromEnv;
  }
  return goInstall(
    log,
    'apiextensions-apiserver',
    'k8s.io/apiextensions-apiserver',
    TOOL_VERSIONS.apiextensionsApiserver,
  );
}

/** Installs a Debian package when its command is missing (as root, through apt-get). */
function ensureDebianCommand(log: Log, command: string, pkg: string, envOverride?: string): string {
  if (envOverride && process.env[envOverride]) return process.env[envOverride] as string;
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
        `(sudo apt-get install -y ${pkg})${envOverride ? ` or set ${envOverride} to the binary` : ''}.`,
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

/**
 * Tekton's PipelineRun/TaskRun CRDs from the tektoncd/pipeline module, reduced to what a standalone
 * API server can serve: only `v1` (as the storage version) and no conversion webhook.
 */
export function prepareTektonCrd(source: string): Record<string, unknown> {
  const crd = YAML.parse(source) as {
    spec: { conversion?: unknown; versions: { name: string; served: boolean; storage: boolean }[] };
  };
  delete crd.spec.conversion;
  crd.spec.versions = crd.spec.versions
    .filter((v) => v.name === 'v1')
    .map((v) => ({ ...v, served: true, storage: true }));
  if (crd.spec.versions.length !== 1) throw new Error('Tekton CRD has no v1 version');
  return crd as unknown as Record<string, unknown>;
}

function ensureTektonCrds(log: Log): string {
  const version = TOOL_VERSIONS.tektonPipeline;
  const dir = path.join(toolCacheDir(), 'tools', `tekton-crds-${version}`);
  const files = ['300-pipelinerun.yaml', '300-taskrun.yaml'];
  if (files.every((f) => fs.existsSync(path.join(dir, f)))) {
    log(`Tekton CRDs ${version}: cached at ${dir}`);
    return dir;
  }
  const go = requireGo('the Tekton CRDs (they are files of the tektoncd/pipeline Go module)');
  return timed(log, `Tekton CRDs ${version}: go mod download github.com/tektoncd/pipeline`, () => {
    const out = execFileSync(go, ['mod', 'download', '-json', `github.com/tektoncd/pipeline@${version}`], {
      cwd: os.tmpdir(),
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const moduleDir = (JSON.parse(out) as { Dir?: string }).Dir;
    if (!moduleDir) throw new MissingPrerequisiteError('go mod download did not report the module directory');
    const staging = fs.mkdtempSync(path.join(path.dirname(dir), '.tekton-crds-'));
    for (const f of files) {
      const source = fs.readFileSync(path.join(moduleDir, 'config', '300-crds', f), 'utf8');
      fs.writeFileSync(path.join(staging, f), YAML.stringify(prepareTektonCrd(source)));
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
    return dir;
  });
}

export function ensureTools(log: Log = console.log): Tools {
  fs.mkdirSync(path.join(toolCacheDir(), 'tools'), { recursive: true });
  const started = Date.now();
  const tools: Tools = {
    temporal: ensureTemporalCli(log),
    apiserver: ensureApiserver(log),
    etcd: ensureDebianCommand(log, 'etcd', 'etcd-server', 'KUBERNAUT_ETCD_PATH'),
    openssl: ensureDebianCommand(log, 'openssl', 'openssl'),
    tektonCrds: ensureTektonCrds(log),
  };
  log(`tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s (cache: ${toolCacheDir()})`);
  return tools;
}
