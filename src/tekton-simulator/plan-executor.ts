/**
 * Performs one plan against the API server, in order, and records every response in the caches. Each write
 * is conditional on the resourceVersion the plan was made from (or, for an object this plan already wrote,
 * on the version that write produced), so a plan made from stale data cannot overwrite newer state: the
 * first 409 (or 404) stops the plan, the object is re-read, and the caller plans again from fresh data.
 */
import type { Logger } from 'pino';
import { PIPELINE_RUN, TASK_RUN } from '../domain/names';
import type { ObjectCache } from './object-cache';
import type { SimulatorAction, SimulatorPlan } from './plan';
import { describeApiError, httpStatus, type TektonApi, type TektonResource } from './tekton-api';
import { objectKey, type PipelineRun, type TaskRun } from './tekton-objects';

export type ExecutionOutcome = 'done' | 'stale' | 'failed';

export interface WriteCounters {
  taskRunsCreated: number;
  taskRunStatusUpdates: number;
  taskRunsCancelled: number;
  pipelineRunStatusUpdates: number;
  pipelineRunsLabelled: number;
  conflicts: number;
  errors: number;
}

export interface ExecutionContext {
  api: TektonApi;
  pipelineRuns: ObjectCache<PipelineRun>;
  taskRuns: ObjectCache<TaskRun>;
  counters: WriteCounters;
  logger: Logger;
}

export async function executePlan(
  context: ExecutionContext,
  pipelineRun: PipelineRun,
  taskRuns: readonly TaskRun[],
  plan: SimulatorPlan,
): Promise<ExecutionOutcome> {
  const basis = new Map<string, { resourceVersion: string; status?: object }>();
  const remember = (object: PipelineRun | TaskRun) =>
    basis.set(`${object.kind}/${objectKey(object.metadata)}`, {
      resourceVersion: object.metadata.resourceVersion ?? '',
      status: object.status,
    });
  remember(pipelineRun);
  taskRuns.forEach(remember);

  for (const action of plan.actions) {
    try {
      await perform(context, action, basis, remember);
    } catch (err) {
      const code = httpStatus(err);
      const target = targetOf(action);
      if (code === 409 || code === 404) {
        context.counters.conflicts++;
        context.logger.debug(
          { action: action.type, object: target.key, code },
          'stale decision; re-reading the object',
        );
        await refresh(context, target.resource, target.namespace, target.name);
        return 'stale';
      }
      context.counters.errors++;
      context.logger.error(
        { action: action.type, object: target.key, error: describeApiError(err) },
        'simulator write failed',
      );
      return 'failed';
    }
  }
  return 'done';
}

async function perform(
  { api, pipelineRuns, taskRuns, counters }: ExecutionContext,
  action: SimulatorAction,
  basis: Map<string, { resourceVersion: string; status?: object }>,
  remember: (object: PipelineRun | TaskRun) => void,
): Promise<void> {
  const basisOf = (kind: string, namespace: string, name: string) => {
    const found = basis.get(`${kind}/${namespace}/${name}`);
    if (!found) throw new Error(`plan refers to ${kind} ${namespace}/${name} it was not made from`);
    return found;
  };
  const storeTaskRun = (taskRun: TaskRun) => {
    taskRuns.upsert(taskRun);
    remember(taskRun);
  };
  const storePipelineRun = (pipelineRun: PipelineRun) => {
    pipelineRuns.upsert(pipelineRun);
    remember(pipelineRun);
  };

  switch (action.type) {
    case 'createTaskRun': {
      const { namespace, name } = action.taskRun.metadata;
      const created = await api.create<TaskRun>(TASK_RUN, namespace, action.taskRun);
      counters.taskRunsCreated++;
      storeTaskRun(created);
      const started = await api.patchStatus<TaskRun>(
        TASK_RUN,
        namespace,
        name,
        created.metadata.resourceVersion ?? '',
        action.status,
        created.status,
      );
      counters.taskRunStatusUpdates++;
      storeTaskRun(started);
      return;
    }
    case 'cancelTaskRun': {
      const { resourceVersion } = basisOf(TASK_RUN.kind, action.namespace, action.name);
      const body = { spec: { status: 'TaskRunCancelled', statusMessage: action.statusMessage } };
      storeTaskRun(await api.patch<TaskRun>(TASK_RUN, action.namespace, action.name, body, resourceVersion));
      counters.taskRunsCancelled++;
      return;
    }
    case 'updateTaskRunStatus': {
      const { resourceVersion, status } = basisOf(TASK_RUN.kind, action.namespace, action.name);
      storeTaskRun(
        await api.patchStatus<TaskRun>(TASK_RUN, action.namespace, action.name, resourceVersion, action.status, status),
      );
      counters.taskRunStatusUpdates++;
      return;
    }
    case 'labelPipelineRun': {
      const { resourceVersion } = basisOf(PIPELINE_RUN.kind, action.namespace, action.name);
      storePipelineRun(
        await api.patch<PipelineRun>(
          PIPELINE_RUN,
          action.namespace,
          action.name,
          { metadata: { labels: action.labels } },
          resourceVersion,
        ),
      );
      counters.pipelineRunsLabelled++;
      return;
    }
    case 'updatePipelineRunStatus': {
      const { resourceVersion, status } = basisOf(PIPELINE_RUN.kind, action.namespace, action.name);
      storePipelineRun(
        await api.patchStatus<PipelineRun>(
          PIPELINE_RUN,
          action.namespace,
          action.name,
          resourceVersion,
          action.status,
          status,
        ),
      );
      counters.pipelineRunStatusUpdates++;
      return;
    }
  }
}

function targetOf(action: SimulatorAction): { resource: TektonResource; namespace: string; name: string; key: string } {
  const [resource, namespace, name] =
    action.type === 'createTaskRun'
      ? [TASK_RUN, action.taskRun.metadata.namespace, action.taskRun.metadata.name]
      : [
          action.type === 'labelPipelineRun' || action.type === 'updatePipelineRunStatus' ? PIPELINE_RUN : TASK_RUN,
          action.namespace,
          action.name,
        ];
  return { resource, namespace, name, key: `${resource.kind} ${namespace}/${name}` };
}

/** Re-reads one object into its cache (or drops it when it no longer exists). */
async function refresh(
  context: ExecutionContext,
  resource: TektonResource,
  namespace: string,
  name: string,
): Promise<void> {
  const key = `${namespace}/${name}`;
  try {
    if (resource === PIPELINE_RUN) {
      const fresh = await context.api.get<PipelineRun>(resource, namespace, name);
      if (fresh) context.pipelineRuns.upsert(fresh);
      else context.pipelineRuns.remove(key);
    } else {
      const fresh = await context.api.get<TaskRun>(resource, namespace, name);
      if (fresh) context.taskRuns.upsert(fresh);
      else context.taskRuns.remove(key);
    }
  } catch (err) {
    context.logger.warn({ object: `${resource.kind} ${key}`, error: describeApiError(err) }, 're-read failed');
  }
}
