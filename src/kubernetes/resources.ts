/** Coordinates of the custom resources this project reads and writes, for client-node's CustomObjectsApi. */
import {
  API_GROUP,
  API_VERSION,
  PIPELINE_RUN,
  REMEDIATION_REQUEST,
  TASK_RUN,
  TEKTON_GROUP,
  TEKTON_VERSION,
  WORKFLOW_EXECUTION,
} from '../domain/names';

export interface ResourceCoordinates {
  group: string;
  version: string;
  plural: string;
}

export const WORKFLOW_EXECUTIONS: ResourceCoordinates = {
  group: API_GROUP,
  version: API_VERSION,
  plural: WORKFLOW_EXECUTION.plural,
};
export const REMEDIATION_REQUESTS: ResourceCoordinates = {
  group: API_GROUP,
  version: API_VERSION,
  plural: REMEDIATION_REQUEST.plural,
};
export const PIPELINE_RUNS: ResourceCoordinates = {
  group: TEKTON_GROUP,
  version: TEKTON_VERSION,
  plural: PIPELINE_RUN.plural,
};
export const TASK_RUNS: ResourceCoordinates = { group: TEKTON_GROUP, version: TEKTON_VERSION, plural: TASK_RUN.plural };

export function collectionPath(r: ResourceCoordinates, namespace?: string): string {
  return namespace
    ? `/apis/${r.group}/${r.version}/namespaces/${namespace}/${r.plural}`
    : `/apis/${r.group}/${r.version}/${r.plural}`;
}

/** A custom object as the API server returns it; the fields this project reads are typed where used. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}
