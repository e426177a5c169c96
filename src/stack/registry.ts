/**
 * A local OCI registry (go-containerregistry's `crane registry serve`) with the stack's action images.
 *
 * Tekton resolves the entrypoint of a step that sets no `command` from the image's configuration in its
 * registry, before it creates the pod — so the `kubernaut-action` Task only works with images a registry
 * really serves. The images here are tiny (one placeholder `/action` file, never run: KWOK plays the pods),
 * named like the project's actions, with an ENTRYPOINT and a non-root USER as the action contract asks.
 * Layers are built byte-for-byte reproducibly, so their digests stay the same from one `stack up` to the
 * next. The registry keeps no index across restarts: every `up` pushes the images again (it takes a moment).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackConfig } from './config';
import type { StackLayout } from './layout';
import { logTail, runningPid, startDaemon } from './processes';
import { assertPortFree, waitFor } from './readiness';

/** The action images the stack serves, by short name. */
export const ACTION_IMAGES = {
  kubectl: 'kubernaut/actions/kubectl',
  argocd: 'kubernaut/actions/argocd',
} as const;
export type ActionImageName = keyof typeof ACTION_IMAGES;

export interface RegistryInfo {
  address: string;
  /** Digest-pinned references (`<address>/<repository>@sha256:…`). */
  images: Record<ActionImageName, string>;
}

/** The non-root user the action contract asks images to run as. */
const ACTION_USER = '65532';

export async function startRegistry(crane: string, config: StackConfig, layout: StackLayout): Promise<string> {
  const address = `127.0.0.1:${config.registryPort}`;
  if (runningPid(layout.pids, 'registry') === undefined) {
    await assertPortFree(config.registryPort, 'the OCI registry', 'KUBERNAUT_STACK_REGISTRY_PORT');
    fs.mkdirSync(path.join(layout.root, 'registry'), { recursive: true });
    startDaemon({
      name: 'registry',
      command: crane,
      args: ['registry', 'serve', '--address', address, '--disk', path.join(layout.root, 'registry')],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  await waitFor(
    'OCI registry',
    async () => ((await fetch(`http://${address}/v2/`)).status === 200 ? true : undefined),
    { timeoutMs: config.startTimeoutMs, onTimeout: () => logTail(layout.logs, 'registry') },
  );
  return address;
}

/** A one-file layer, reproducible: fixed mtime, owner and mode. */
function writeLayer(dir: string, name: string): string {
  const root = path.join(dir, name);
  fs.mkdirSync(root, { recursive: true });
  const action = path.join(root, 'action');
  fs.writeFileSync(
    action,
    `#!/bin/sh\n# Placeholder for the ${name} action image of the kubernaut-temporal local stack.\n` +
      `# It never runs: KWOK plays the pod; the step's inputs.simulate decides the outcome.\nexit 0\n`,
    { mode: 0o755 },
  );
  const tarball = path.join(dir, `${name}.tar`);
  execFileSync('tar', [
    '--create',
    `--file=${tarball}`,
    `--directory=${root}`,
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=0755',
    'action',
  ]);
  return tarball;
}

/** Builds and pushes every action image; returns their digest-pinned references. */
export function pushActionImages(crane: string, address: string): RegistryInfo {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernaut-images-'));
  const run = (args: string[]) => execFileSync(crane, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const images = {} as Record<ActionImageName, string>;
    for (const [name, repository] of Object.entries(ACTION_IMAGES) as [ActionImageName, string][]) {
      const tag = `${address}/${repository}:local`;
      run(['append', '--insecure', '--new_layer', writeLayer(scratch, name), '--new_tag', tag]);
      run(['mutate', '--insecure', tag, '--entrypoint', '/action', '--user', ACTION_USER, '--tag', tag]);
      const digest = run(['digest', '--insecure', tag]).trim();
      images[name] = `${address}/${repository}@${digest}`;
    }
    return { address, images };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The stack's image for an action image of the examples (`ghcr.io/kubernaut/actions/argocd@sha256:…` →
 * `127.0.0.1:<port>/kubernaut/actions/argocd@sha256:…`): the examples name the project's published images,
 * which this machine cannot pull, while Tekton must find each image's entrypoint in a registry it reaches.
 */
export function stackImageFor(image: string, images: Record<ActionImageName, string>): string {
  const name = (Object.keys(ACTION_IMAGES) as ActionImageName[]).find((n) =>
    new RegExp(`/actions/${n}(?:[:@]|$)`).test(image),
  );
  if (!name) throw new Error(`the stack serves no image for ${image} (it has ${Object.keys(images).join(', ')})`);
  return images[name];
}
