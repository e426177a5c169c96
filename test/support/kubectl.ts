/** The real kubectl against the stack's API server, as an operator runs it (admin kubeconfig). */
import { execFile } from 'node:child_process';
import { getStackInfo } from './stack';

/**
 * The kubectl the stack built (the API server's version; `kube.kubectl` in .stack/stack.json), or $KUBECTL,
 * or one on PATH for a stack started before it built kubectl.
 */
export function kubectlPath(): string {
  return process.env.KUBECTL ?? getStackInfo().kube.kubectl ?? 'kubectl';
}

/** Runs `kubectl <args>` (with `stdin` piped in when given) and returns its stdout; rejects with its stderr. */
export function kubectl(args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      kubectlPath(),
      ['--kubeconfig', getStackInfo().kube.kubeconfigPath, ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** The Events (events.k8s.io) in `namespace` matching `fieldSelector`, as `kubectl get` lists them. */
export async function kubectlEvents(
  namespace: string,
  fieldSelector: string,
): Promise<{ reason?: string; note?: string }[]> {
  const listed = JSON.parse(
    await kubectl(['get', 'events.events.k8s.io', '-n', namespace, '--field-selector', fieldSelector, '-o', 'json']),
  ) as { items: { reason?: string; note?: string }[] };
  return listed.items.map(({ reason, note }) => ({ reason, note }));
}

/** The reasons of those Events. */
export async function kubectlEventReasons(namespace: string, fieldSelector: string): Promise<(string | undefined)[]> {
  return (await kubectlEvents(namespace, fieldSelector)).map((e) => e.reason);
}
