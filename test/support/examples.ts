import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PipelineRunObject, TaskRunObject } from '../../src/domain/tekton';
import { validateWorkflowExecution } from '../../src/domain/validation';
import type { WorkflowExecution } from '../../src/domain/workflow-execution';

const ROOT = join(__dirname, '..', '..');

/** The uid the Tekton fixtures were built for (their PipelineRun name derives from it). */
export const FIXTURE_WFE_UID = '6f1c2a9e-3b7d-4e8f-9a01-2c3d4e5f6a7b';

export function readExample(name: string): unknown {
  return parse(readFileSync(join(ROOT, 'examples', name), 'utf8'));
}

/** An example as the API server would return it: with uid and generation. */
export function loadExample(name: string, uid = FIXTURE_WFE_UID): WorkflowExecution {
  const raw = readExample(name) as { metadata: Record<string, unknown> };
  const result = validateWorkflowExecution({ ...raw, metadata: { ...raw.metadata, uid, generation: 1 } });
  if (!result.ok) throw new Error(`example ${name} is invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

export interface TektonScenario {
  description: string;
  pipelineRun: PipelineRunObject;
  taskRuns: TaskRunObject[];
}

export function tektonScenario(name: string): TektonScenario {
  return JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'tekton', `${name}.json`), 'utf8')) as TektonScenario;
}

export function tektonScenarioNames(dir: 'tekton' | 'tekton-recorded' = 'tekton'): string[] {
  return readdirSync(join(ROOT, 'test', 'fixtures', dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/**
 * What Tekton's own controller (v1.7.0, on KWOK pods) wrote for the same DAG, recorded by
 * record-tekton-statuses.ts; `workflowExecutionUid` is the uid its PipelineRun was translated from.
 */
export interface RecordedTektonScenario extends TektonScenario {
  workflowExecutionUid: string;
}

export function recordedTektonScenario(name: string): RecordedTektonScenario {
  return JSON.parse(
    readFileSync(join(ROOT, 'test', 'fixtures', 'tekton-recorded', `${name}.json`), 'utf8'),
  ) as RecordedTektonScenario;
}

export function readRepoFile(...path: string[]): string {
  return readFileSync(join(ROOT, ...path), 'utf8');
}
