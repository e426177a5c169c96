// The Dockerfile, checked without a Docker engine: a multi-stage build whose runtime stage holds only
// production dependencies, compiled output and migrations, runs as a numeric non-root user, uses pinned
// base images, and copies only what exists and what .dockerignore lets into the build context.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseDockerfile, parseImageReference, type Instruction, type Stage } from './support/dockerfile';
import { parseDockerIgnore } from './support/dockerignore';
import { buildKustomization } from './support/kustomize';
import { sourceOfCommand } from './support/processes';
import { REPO_ROOT } from './support/source-program';

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const dockerignore = parseDockerIgnore(read('.dockerignore'));
const pkg = JSON.parse(read('package.json')) as {
  version: string;
  scripts: Record<string, string>;
  engines: { node: string };
};
const stageNames = new Set(dockerfile.stages.map((s) => s.name).filter(Boolean));
const runtime = dockerfile.stages[dockerfile.stages.length - 1];
const build = dockerfile.stages.find((s) => s.name === 'build')!;
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const last = (stage: Stage, keyword: string): Instruction | undefined =>
  stage.instructions.filter((i) => i.keyword === keyword).pop();

describe('Dockerfile', () => {
  it('builds in one stage and runs from another', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(runtime.name).toBe('runtime');
    expect(runs(build)).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']));
    expect(pkg.scripts.build).toBeDefined();
  });

  it('copies into the build stage every file `npm run build` reads', () => {
    // Paths named by the build script: config files, and compiled scripts it runs (dist/x.js ← src/x.ts).
    const named = pkg.scripts.build.split(/\s+/).filter((t) => /\.(json|js|cjs|mjs|ts)$/.test(t));
    const sources = named.map((t) => (t.startsWith('dist/') ? sourceOfCommand(['node', t]) : t));
    const copied = build.instructions
      .filter((i) => i.keyword === 'COPY' && !i.flags.from)
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const covered = copied.some((c) => source === c || source.startsWith(`${c.replace(/\/$/, '')}/`));
      expect({ source, copied: covered }).toEqual({ source, copied: true });
    }
  });

  it('installs production dependencies only in the runtime stage, from the lock file', () => {
    const installs = runs(runtime).filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/^npm ci --omit=dev\b/);
    expect(runs(runtime).join('\n')).not.toMatch(/npm run build|\btsc\b|\btsx\b/);
  });

  it('copies the compiled output from the build stage and the SQL migrations', () => {
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies).toContainEqual(expect.objectContaining({ flags: { from: 'build' }, args: '/app/dist ./dist' }));
    expect(copies.map((c) => c.args)).toContain('migrations ./migrations');
  });

  it('runs as a numeric non-root user, the one the Deployments declare', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = user!.split(':').map(Number);
    expect(uid).not.toBe(0);
    const deployments = buildKustomization(path.join(REPO_ROOT, 'deploy'), REPO_ROOT)
      .map((l) => l.manifest)
      .filter((m) => m.kind === 'Deployment');
    for (const d of deployments) {
      const sc = (d.spec as { template: { spec: { securityContext: { runAsUser: number; runAsGroup?: number } } } })
        .template.spec.securityContext;
      expect(sc.runAsUser).toBe(uid);
      if (gid !== undefined) expect(sc.runAsGroup).toBe(gid);
    }
  });

  it('starts the worker by default, in exec form so Node receives SIGTERM itself', () => {
    const cmd = last(runtime, 'CMD');
    expect(cmd?.json).toBeDefined();
    expect(sourceOfCommand(cmd!.json)).toBe('src/workers/main.ts');
    expect(last(runtime, 'ENTRYPOINT')).toBeUndefined();
  });

  it('uses pinned base images, never latest', () => {
    for (const stage of dockerfile.stages) {
      if (stageNames.has(stage.image)) continue; // FROM an earlier stage
      const ref = parseImageReference(stage.image);
      expect(ref.tag ?? ref.digest).toBeDefined();
      expect(ref.tag).not.toBe('latest');
      expect(ref.tag ?? '').toMatch(/^\d+\.\d+\.\d+/); // a full version, not a moving major tag
    }
  });

  it('builds on a Node.js release package.json allows, the same in every stage', () => {
    const images = new Set(dockerfile.stages.map((s) => s.image));
    expect(images.size).toBe(1);
    const [major, minor] = (parseImageReference([...images][0]).tag ?? '').split(/[.-]/).map(Number);
    // package.json engines: ">=20.19 <21 || >=22"
    expect(pkg.engines.node).toBe('>=20.19 <21 || >=22');
    expect((major === 20 && minor >= 19) || major >= 22).toBe(true);
  });

  it('labels the image with the package version', () => {
    const version = runtime.instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('VERSION='))?.args;
    expect(version).toBe(`VERSION=${pkg.version}`);
    expect(last(runtime, 'LABEL')?.args).toContain('org.opencontainers.image.version="${VERSION}"');
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    for (const stage of dockerfile.stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !i.flags.from)) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          expect({ source, exists: fs.existsSync(path.join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
          expect({ source, sent: dockerignore.includes(source) }).toEqual({ source, sent: true });
        }
      }
    }
  });

  it('keeps local state out of the build context', () => {
    for (const p of [
      'node_modules',
      'node_modules/pg/package.json',
      'dist/workers/main.js',
      '.stack',
      '.git',
      'docker/kubeconfig',
      'test/deploy',
    ])
      expect({ p, sent: dockerignore.includes(p) }).toEqual({ p, sent: false });
    expect(dockerignore.includes('src/workers/main.ts')).toBe(true);
  });

  it('gives every shipped artefact the same version', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { image?: string; build?: unknown }>;
    };
    const kustomization = parse(read('deploy/kustomization.yaml')) as { images: { name: string; newTag: string }[] };
    const built = Object.values(compose.services).filter((s) => s.build);
    expect(built.map((s) => parseImageReference(s.image!).tag)).toEqual(built.map(() => pkg.version));
    expect(kustomization.images.find((i) => i.name === 'kubernaut-temporal')?.newTag).toBe(pkg.version);
  });
});
