/**
 * A small typed client of the Data Storage API over fetch, for the CLI, the demo and other TypeScript
 * consumers. Errors come back as DataStorageApiError carrying the server's problem document.
 */
import type { z } from 'zod';
import type {
  ActionRecordPageSchema,
  ActionStatisticsSchema,
  AssessmentPageSchema,
  EffectivenessAssessmentSchema,
  WorkflowExecutionRecordsSchema,
} from './representations';
import type { Problem } from './problems';

export type ActionRecordPage = z.infer<typeof ActionRecordPageSchema>;
export type ActionStatistics = z.infer<typeof ActionStatisticsSchema>;
export type AssessmentPage = z.infer<typeof AssessmentPageSchema>;
export type EffectivenessAssessment = z.infer<typeof EffectivenessAssessmentSchema>;
export type WorkflowExecutionRecords = z.infer<typeof WorkflowExecutionRecordsSchema>;

export class DataStorageApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DataStorageApiError';
  }
}

export interface DataStorageClientOptions {
  /** e.g. http://kubernaut-datastorage-api.kubernaut-system.svc:8090 */
  baseUrl: string;
  /** Bearer token (a ServiceAccount token in a cluster, a token-file token with docker compose). */
  token?: string;
  timeoutMs?: number;
}

type Params = Record<string, string | number | string[] | undefined>;

export interface ActionRecordQuery {
  since: string;
  until?: string;
  actionType?: string[];
  status?: string[];
  target?: string;
  namespace?: string;
  remediationId?: string;
  limit?: number;
  cursor?: string;
}

export interface StatisticsQuery {
  actionType?: string[];
  target?: string;
  days?: number;
  until?: string;
}

export interface AssessmentQuery {
  since: string;
  until?: string;
  target?: string;
  remediationId?: string;
  status?: string[];
  trend?: string[];
  actionType?: string;
  limit?: number;
  cursor?: string;
}

export function createDataStorageClient(o: DataStorageClientOptions) {
  async function get<T>(path: string, params: Params = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined) continue;
      query.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const qs = query.toString();
    const res = await fetch(`${o.baseUrl.replace(/\/$/, '')}${path}${qs ? `?${qs}` : ''}`, {
      headers: { accept: 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
      signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let problem: Partial<Problem> | undefined;
      try {
        problem = JSON.parse(text) as Partial<Problem>;
      } catch {
        problem = undefined;
      }
      throw new DataStorageApiError(
        res.status,
        problem,
        `${res.status} ${problem?.title ?? res.statusText}: ${problem?.detail ?? text}`,
      );
    }
    return JSON.parse(text) as T;
  }
  const seg = encodeURIComponent;
  return {
    listActionRecords: (q: ActionRecordQuery) => get<ActionRecordPage>('/api/v1/action-records', { ...q }),
    getWorkflowExecutionActionRecords: (wfeUid: string) =>
      get<WorkflowExecutionRecords>(`/api/v1/workflow-executions/${seg(wfeUid)}/action-records`),
    getActionStatistics: (q: StatisticsQuery = {}) => get<ActionStatistics>('/api/v1/action-statistics', { ...q }),
    listEffectivenessAssessments: (q: AssessmentQuery) =>
      get<AssessmentPage>('/api/v1/effectiveness-assessments', { ...q }),
    getEffectivenessAssessment: (namespace: string, name: string) =>
      get<EffectivenessAssessment>(`/api/v1/remediations/${seg(namespace)}/${seg(name)}/effectiveness-assessment`),
  };
}

export type DataStorageClient = ReturnType<typeof createDataStorageClient>;
