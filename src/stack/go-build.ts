/**
 * Building the stack's Go programs from the Go module proxy, cached per user and version (layout.ts):
 *
 * - `goInstall`: a module whose go.mod has no `replace` directive (`go install module/cmd@version`).
 * - `goBuildWrapper`: a module that cannot be `go install`ed because its go.mod has `replace` directives
 *   (Kubernetes replaces its staging modules with local paths; Tekton pins two AWS modules). A small
 *   wrapper module is generated that requires it and restates those replacements against published
 *   versions, then `go build` writes the commands it names.
 *
 * Both build into a staging directory and rename it into place, so an interrupted build never leaves a
 * half-written tool behind, and two processes building at once waste time but never corrupt the cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toolCacheDir } from './layout';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

export type Log = (message: string) => void;

export function which(command: string): string | undefined {
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

export function timed<T>(log: Log, what: string, work: () => T): T {
  const started = Date.now();
  log(`${what} …`);
  const result = work();
  log(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

export function requireGo(forWhat: string): string {
  const go = which('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new MissingPrerequisiteError(
      `Go 1.24 or newer is needed to build ${forWhat}, and no 'go' was found on PATH. ` +
        `Install Go (https://go.dev/doc/install); the tools it builds are cached in ${toolCacheDir()} ` +
        `(KUBERNAUT_CACHE_DIR), so a cache copied from another machine of the same kind needs no Go.`,
    );
  }
  return go;
}

/** Where a built tool lives: `<cache>/tools/<name>-<version>/`. */
export function toolDir(name: string, version: string): string {
  return path.join(toolCacheDir(), 'tools', `${name}-${version}`);
}

function goEnv(): NodeJS.ProcessEnv {
  // -mod=mod lets `go build` add what the wrapper's go.mod lacks; no VCS stamping (no .git here).
  return { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false', CGO_ENABLED: '0' };
}

function runGo(go: string, args: string[], cwd: string, what: string): void {
  const r = spawnSync(go, args, { cwd, env: goEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    throw new MissingPrerequisiteError(
      `'go ${args.join(' ')}' failed (exit ${r.status}) while building ${what}; see the output above. ` +
        `It needs the Go module proxy to be reachable.`,
    );
  }
}

/** Moves a finished staging directory into the cache in one rename. */
function publish(staging: string, dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
}

function stagingDir(dir: string): string {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return fs.mkdtempSync(path.join(path.dirname(dir), `.${path.basename(dir)}-`));
}

const BUILD_FLAGS = ['-trimpath'];

/** `go install module@version` into `<cache>/tools/<name>-<version>/<name>`. */
export function goInstall(log: Log, spec: { name: string; module: string; version: string; ldflags?: string }): string {
  const dir = toolDir(spec.name, spec.version);
  const binary = path.join(dir, spec.name);
  if (fs.existsSync(binary)) {
    log(`${spec.name} ${spec.version}: cached at ${binary}`);
    return binary;
  }
  const go = requireGo(spec.name);
  const staging = stagingDir(dir);
  try {
    timed(log, `${spec.name} ${spec.version}: go install (minutes on 2 cores)`, () => {
      const r = spawnSync(
        go,
        ['install', ...BUILD_FLAGS, '-ldflags', `-s -w ${spec.ldflags ?? ''}`, `${spec.module}@${spec.version}`],
        { cwd: os.tmpdir(), env: { ...goEnv(), GOBIN: staging }, stdio: ['ignore', 'inherit', 'inherit'] },
      );
      if (r.status !== 0) {
        throw new MissingPrerequisiteError(
          `'go install ${spec.module}@${spec.version}' failed (exit ${r.status}); see the output above. ` +
            `It needs the Go module proxy to be reachable.`,
        );
      }
    });
    const built = fs.readdirSync(staging).find((f) => !f.startsWith('.'));
    if (!built) throw new MissingPrerequisiteError(`go install ${spec.module}@${spec.version} produced no binary`);
    if (built !== spec.name) fs.renameSync(path.join(staging, built), path.join(staging, spec.name));
    publish(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

export interface Replacement {
  Old: { Path: string; Version?: string };
  New: { Path: string; Version?: string };
}

/** The go.mod of `module@version` as `go mod edit -json` reports it. */
export function readGoMod(go: string, module: string, version: string): { Replace?: Replacement[] } {
  const info = JSON.parse(
    execFileSync(go, ['mod', 'download', '-json', `${module}@${version}`], {
      cwd: os.tmpdir(),
      env: goEnv(),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    }),
  ) as { GoMod?: string; Dir?: string };
  if (!info.GoMod) throw new MissingPrerequisiteError(`go mod download ${module}@${version} reported no go.mod`);
  return JSON.parse(execFileSync(go, ['mod', 'edit', '-json', info.GoMod], { encoding: 'utf8' })) as {
    Replace?: Replacement[];
  };
}

/** The directory of `module@version` in the module cache (downloaded if needed). */
export function moduleDir(go: string, module: string, version: string): string {
  const info = JSON.parse(
    execFileSync(go, ['mod', 'download', '-json', `${module}@${version}`], {
      cwd: os.tmpdir(),
      env: goEnv(),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    }),
  ) as { Dir?: string };
  if (!info.Dir) throw new MissingPrerequisiteError(`go mod download ${module}@${version} reported no directory`);
  return info.Dir;
}

export interface WrapperBuild {
  /** Cache entry name, e.g. `kubernetes`. */
  name: string;
  version: string;
  /** The module required by the wrapper and its version. */
  module: string;
  /** `replace` lines of the wrapper's go.mod (`old => new version`). */
  replace: string[];
  /** Packages to build, each to a binary named after the last path element (or `output`). */
  commands: { pkg: string; output?: string }[];
  /** Extra files of the wrapper module (e.g. a `main.go`), by name. */
  files?: Record<string, string>;
  ldflags?: string;
}

/** Builds the commands of a wrapper module into `<cache>/tools/<name>-<version>/`. Returns that directory. */
export function goBuildWrapper(log: Log, spec: WrapperBuild, go = requireGo(spec.name)): string {
  const dir = toolDir(spec.name, spec.version);
  const binaries = spec.commands.map((c) => c.output ?? path.basename(c.pkg));
  if (binaries.every((b) => fs.existsSync(path.join(dir, b)))) {
    log(`${spec.name} ${spec.version}: cached at ${dir}`);
    return dir;
  }
  const staging = stagingDir(dir);
  const src = path.join(staging, '.src');
  try {
    fs.mkdirSync(src);
    const goMod = [
      `module kubernaut.local/${spec.name}-build`,
      '',
      'go 1.24',
      '',
      `require ${spec.module} ${spec.version}`,
      '',
      ...(spec.replace.length ? ['replace (', ...spec.replace.map((r) => `\t${r}`), ')'] : []),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(src, 'go.mod'), goMod);
    for (const [file, text] of Object.entries(spec.files ?? {})) fs.writeFileSync(path.join(src, file), text);
    const external = spec.commands.filter((c) => c.pkg.startsWith(spec.module));
    timed(log, `${spec.name} ${spec.version}: go build ${binaries.join(', ')} (minutes on 2 cores)`, () => {
      if (external.length) runGo(go, ['get', ...external.map((c) => `${c.pkg}@${spec.version}`)], src, spec.name);
      if (spec.files) runGo(go, ['mod', 'tidy'], src, spec.name);
      for (const c of spec.commands) {
        const output = path.join(staging, c.output ?? path.basename(c.pkg));
        runGo(
          go,
          ['build', ...BUILD_FLAGS, '-ldflags', `-s -w ${spec.ldflags ?? ''}`, '-o', output, c.pkg],
          src,
          c.pkg,
        );
      }
    });
    fs.rmSync(src, { recursive: true, force: true });
    publish(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}
