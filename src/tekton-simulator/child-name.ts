/**
 * knative.dev/pkg `kmeta.ChildName`, which Tekton uses for TaskRun names (`<pipelineRun>-<pipelineTask>`) and
 * pod names (`<taskRun>-pod`, `-pod-retry<N>`): plain concatenation while it fits in 63 characters, otherwise
 * the parent is truncated and its MD5 appended so distinct long parents keep distinct children.
 */
import { createHash } from 'node:crypto';

const LONGEST = 63;
const MD5_HEX_LENGTH = 32;
const HEAD = LONGEST - MD5_HEX_LENGTH;

export function childName(parent: string, suffix: string): string {
  if (parent.length <= LONGEST - suffix.length) return parent + suffix;
  if (HEAD - suffix.length <= 0) {
    // The suffix alone leaves no room for a parent prefix plus a hash: hash both, pad with the suffix's start.
    let name = parent.slice(0, HEAD) + md5Hex(parent + suffix);
    const room = LONGEST - name.length;
    if (room > 0) name += suffix.slice(0, room);
    return name.replace(/[^a-zA-Z0-9]+$/, '');
  }
  return parent.slice(0, HEAD - suffix.length) + md5Hex(parent) + suffix;
}

function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Name of the TaskRun Tekton creates for a PipelineTask. */
export function taskRunName(pipelineRunName: string, pipelineTaskName: string): string {
  return childName(pipelineRunName, `-${pipelineTaskName}`);
}

/** Name of the pod running attempt `retry` (0 = first attempt) of a TaskRun. */
export function podName(taskRunName: string, retry: number): string {
  return childName(taskRunName, retry > 0 ? `-pod-retry${retry}` : '-pod');
}
