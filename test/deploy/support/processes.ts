/**
 * The processes the image runs, as the Dockerfile, docker-compose.yml and the Deployments name them
 * (`node dist/<path>.js`), mapped back to their sources through tsconfig.build.json, with the
 * configuration schema each one validates its environment with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { DataStorageApiConfigSchema } from '../../../src/datastorage-api/config';
import { WatcherConfigSchema } from '../../../src/watcher/config';
import { WorkerConfigSchema } from '../../../src/workers/config';
import { parseDockerfile } from './dockerfile';
import { buildKustomization, podSpecOf } from './kustomize';
import { REPO_ROOT } from './source-program';

/** Sources that serve development and tests only: the image must never run them. */
export const DEV_ONLY_SOURCES = ['src/stack/', 'src/tekton-simulator/', 'src/demo/'];

const build = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { rootDir: string; outDir: string };
};
const OUT_DIR = path.normalize(build.compilerOptions.outDir);
const ROOT_DIR = path.normalize(build.compilerOptions.rootDir);

/** `['node', 'dist/workers/main.js']` → `src/workers/main.ts` (repository-relative). */
export function sourceOfCommand(command: unknown): string {
  if (!Array.isArray(command) || command.length !== 2 || command[0] !== 'node' || typeof command[1] !== 'string')
    throw new Error(`expected [node, ${OUT_DIR}/<file>.js], got ${JSON.stringify(command)}`);
  const script = path.normalize(command[1]);
  if (!script.startsWith(`${OUT_DIR}/`) || !script.endsWith('.js'))
    throw new Error(`${command[1]} is not compiled output under ${OUT_DIR}/`);
  return path.join(ROOT_DIR, script.slice(OUT_DIR.length + 1).replace(/\.js$/, '.ts'));
}

/** The environment schema of each process, by its source. */
export const CONFIG_SCHEMAS: Record<string, z.ZodObject> = {
  'src/workers/main.ts': WorkerConfigSchema,
  'src/watcher/main.ts': WatcherConfigSchema,
  'src/datastorage-api/main.ts': DataStorageApiConfigSchema,
};

export function configSchemaOf(source: string): z.ZodObject {
  const schema = CONFIG_SCHEMAS[source];
  if (!schema)
    throw new Error(`no configuration schema known for ${source}: add it to test/deploy/support/processes.ts`);
  return schema;
}

/**
 * Every process the project ships, as `node dist/…` commands name them: the image's default command,
 * the containers of deploy/ (Deployments, CronJobs) and the services docker-compose.yml builds.
 */
export function shippedSources(): string[] {
  const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const commands: unknown[] = [];
  const dockerfile = parseDockerfile(read('Dockerfile'));
  const runtime = dockerfile.stages[dockerfile.stages.length - 1];
  commands.push(runtime.instructions.filter((i) => i.keyword === 'CMD').pop()?.json);
  for (const { manifest } of buildKustomization(path.join(REPO_ROOT, 'deploy'), REPO_ROOT))
    for (const c of podSpecOf(manifest)?.containers ?? []) commands.push(c.command);
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { build?: unknown; command?: unknown }>;
  };
  for (const s of Object.values(compose.services)) if (s.build) commands.push(s.command);
  return [...new Set(commands.map(sourceOfCommand))].sort();
}
