/**
 * What the demo does once it has shown everything, and what it says about it. The report ends with Web UI
 * links, which only work while the stack (the Temporal dev server serves the UI) and the demo's worker and
 * watcher run, so the demo never stops them silently:
 *
 * | `--keep` | terminal | the demo                                                                       |
 * |----------|----------|--------------------------------------------------------------------------------|
 * | yes      | any      | exits and leaves everything running; `npm run stack -- down` stops it           |
 * | no       | yes      | keeps everything running until Ctrl-C, then stops what it started               |
 * | no       | no       | stops what it started at once (CI, piped output) and says which links go dead   |
 *
 * Pure: main.ts decides `interactive` (stdin and stdout are terminals) and whether stopping would take the
 * stack down (the demo started it and no one else uses it).
 */

export type DemoEndingAction = 'keep' | 'wait-for-interrupt' | 'stop';

export interface DemoEndingInput {
  keep: boolean;
  interactive: boolean;
  /** Stopping would stop the stack too: the demo started it and no other user is registered. */
  stopsStack: boolean;
  /** The stack's kubectl (any kubectl works; this one is there on every machine the stack runs on). */
  kubectl: string;
  kubeconfig: string;
  /** The stack registry's kubectl action image: examples name ghcr.io, which the local stack cannot pull. */
  actionImage: string;
  namespace: string;
  uiUrl: string;
  /** The Web UI search that finds the demo's WorkflowExecution. */
  query: string;
  databaseUrl: string;
}

export interface DemoEnding {
  action: DemoEndingAction;
  lines: string[];
}

export function demoEnding(o: DemoEndingInput): DemoEnding {
  const explore = [
    `    ${o.kubectl} --kubeconfig ${o.kubeconfig} get wfe -A`,
    `    ${o.kubectl} --kubeconfig ${o.kubeconfig} get pipelineruns,taskruns,pods -n ${o.namespace}`,
    // The example as the local stack can run it: its image from the stack's registry, and no rest for the
    // demo's target after it (a later demo on that target would otherwise wait out a 5-minute cooldown).
    `    sed -e 's#ghcr.io/kubernaut/actions/kubectl@sha256:[0-9a-f]*#${o.actionImage}#' -e '/^  timeout:/a\\  cooldown: 0s' examples/restart-pod.yaml | ${o.kubectl} --kubeconfig ${o.kubeconfig} apply -f -`,
    `    open ${o.uiUrl}  (search: ${o.query})`,
    `    psql ${o.databaseUrl} -c 'select step_name, status, duration_ms from action_records'`,
  ];
  const running = o.stopsStack ? 'the stack, the worker and the watcher' : 'the worker and the watcher';
  if (o.keep) {
    return {
      action: 'keep',
      lines: [
        'Everything keeps running after the demo exits (--keep). Explore:',
        ...explore,
        'Stop everything with: npm run stack -- down',
      ],
    };
  }
  if (o.interactive) {
    return {
      action: 'wait-for-interrupt',
      lines: [
        `The links above work while ${running} run; they keep running until you press Ctrl-C. Explore:`,
        ...explore,
        'Press Ctrl-C to stop them (npm run demo -- --keep leaves everything running after the demo exits).',
      ],
    };
  }
  return {
    action: 'stop',
    lines: o.stopsStack
      ? [
          `Not a terminal: stopping ${running} now, so the Web UI links above stop working.`,
          'Run npm run demo -- --keep to leave everything running (stop it later with npm run stack -- down).',
        ]
      : [
          `Not a terminal: stopping ${running} now. The stack stays up (the demo did not start it, or others`,
          'use it), so the Web UI links above keep working; npm run demo -- --keep leaves the worker and the watcher running too.',
        ],
  };
}
