import { EXECUTION_FINALIZER, workflowExecutionWorkflowId } from '../../src/domain/names';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import {
  DECISION_REASONS,
  decideWorkflowExecution,
  workflowIdOf,
  type DecisionContext,
  type WorkflowExecutionAction,
} from '../../src/watcher/decisions';

const META = { namespace: 'shop', name: 'restart-web', uid: '6f1c2b7e-0d1a-4c1e-9a55-3c1f0e2d9b10' };
const WORKFLOW_ID = workflowExecutionWorkflowId(META);

function wfe(
  o: {
    phase?: string;
    temporalWorkflowId?: string;
    deleting?: boolean;
    finalizers?: string[];
    uid?: string | null;
  } = {},
): KubernetesObject {
  return {
    apiVersion: 'kubernaut.ai/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: {
      namespace: META.namespace,
      name: META.name,
      ...(o.uid !== null && { uid: o.uid ?? META.uid }),
      resourceVersion: '42',
      creationTimestamp: '2026-11-25T10:00:00Z',
      ...(o.deleting && { deletionTimestamp: '2026-11-25T10:05:00Z' }),
      ...(o.finalizers && { finalizers: o.finalizers }),
    },
    spec: { targetResource: 'shop/Deployment/web', steps: [] },
    ...((o.phase || o.temporalWorkflowId) && {
      status: {
        ...(o.phase && { phase: o.phase }),
        ...(o.temporalWorkflowId && { temporal: { namespace: 'default', workflowId: o.temporalWorkflowId } }),
      },
    }),
  };
}

describe('decideWorkflowExecution', () => {
  const ours = [EXECUTION_FINALIZER];
  const rows: [string, KubernetesObject, DecisionContext, WorkflowExecutionAction, keyof typeof DECISION_REASONS][] = [
    // Alive.
    ['starts a new WFE without status', wfe(), {}, 'start', 'notStarted'],
    ['starts a Pending WFE its workflow has not reported', wfe({ phase: 'Pending' }), {}, 'start', 'notStarted'],
    ['never re-runs a Completed WFE', wfe({ phase: 'Completed' }), {}, 'ignore', 'terminal'],
    ['never re-runs a Failed WFE', wfe({ phase: 'Failed', temporalWorkflowId: WORKFLOW_ID }), {}, 'ignore', 'terminal'],
    [
      'leaves a WFE whose workflow wrote status.temporal',
      wfe({ phase: 'Running', temporalWorkflowId: WORKFLOW_ID }),
      {},
      'ignore',
      'reportedByWorkflow',
    ],
    [
      'starts a WFE whose status names another workflow (a copy of another WFE status)',
      wfe({ phase: 'Running', temporalWorkflowId: 'wfe/shop/restart-web/another-uid' }),
      {},
      'start',
      'notStarted',
    ],
    ['does not start twice from one process', wfe(), { startedHere: true }, 'ignore', 'startedHere'],
    ['ignores an object without uid', wfe({ uid: null }), {}, 'ignore', 'incomplete'],
    // Gone.
    [
      'cancels the workflow of a WFE deleted while running',
      wfe({ phase: 'Running' }),
      { deleted: true },
      'cancel',
      'deleted',
    ],
    ['cancels the workflow of a WFE deleted before any status', wfe(), { deleted: true }, 'cancel', 'deleted'],
    [
      'leaves a finished WFE that was deleted',
      wfe({ phase: 'Completed' }),
      { deleted: true },
      'ignore',
      'deletedTerminal',
    ],
    // Being deleted.
    [
      'first asks Temporal whether the workflow of a WFE being deleted still runs',
      wfe({ phase: 'Running', deleting: true, finalizers: ours }),
      {},
      'inspect-workflow',
      'inspectWorkflow',
    ],
    [
      'cancels the running workflow of a WFE being deleted',
      wfe({ phase: 'Running', deleting: true, finalizers: ours }),
      { workflowRunning: true },
      'cancel',
      'deleting',
    ],
    [
      'does not ask twice from one process',
      wfe({ phase: 'Running', deleting: true, finalizers: ours }),
      { cancelRequestedHere: true },
      'ignore',
      'cancelRequested',
    ],
    [
      'releases the finalizer when the workflow is gone',
      wfe({ phase: 'Running', deleting: true, finalizers: ours }),
      { workflowGone: true, cancelRequestedHere: true },
      'release-finalizer',
      'workflowGone',
    ],
    [
      'leaves a finished WFE being deleted to its still-running workflow',
      wfe({ phase: 'Failed', deleting: true, finalizers: ours }),
      { workflowRunning: true },
      'ignore',
      'finishing',
    ],
    [
      'releases the finalizer of a finished WFE whose workflow is gone',
      wfe({ phase: 'Completed', deleting: true, finalizers: ours }),
      { workflowGone: true },
      'release-finalizer',
      'workflowGone',
    ],
    [
      'ignores a WFE being deleted that only other finalizers hold',
      wfe({ phase: 'Running', deleting: true, finalizers: ['example.com/backup'] }),
      {},
      'ignore',
      'deletingWithoutFinalizer',
    ],
  ];

  it.each(rows)('%s', (_name, object, context, action, reason) => {
    expect(decideWorkflowExecution(object, context)).toEqual({ action, reason });
  });

  it('never decides to start a WFE that is terminal, whatever else is known', () => {
    for (const phase of ['Completed', 'Failed']) {
      for (const context of [{}, { startedHere: true }, { workflowGone: true }, { cancelRequestedHere: true }]) {
        for (const deleting of [false, true]) {
          const decision = decideWorkflowExecution(
            wfe({ phase, deleting, finalizers: [EXECUTION_FINALIZER] }),
            context,
          );
          expect(decision.action).not.toBe('start');
        }
      }
    }
  });

  it('has a row for every reason it can give', () => {
    expect(new Set(rows.map((r) => r[4]))).toEqual(new Set(Object.keys(DECISION_REASONS)));
  });
});

describe('workflowIdOf', () => {
  it('derives the workflow id from namespace, name and uid', () => {
    expect(workflowIdOf(wfe())).toBe(`wfe/shop/restart-web/${META.uid}`);
  });
});
