/**
 * The demo's live view of a WorkflowExecution: one line per step with its phase, redrawn in place on a
 * terminal, or printed as plain lines (only when something changed) when output is not a TTY.
 */
import type { StepStatus, WorkflowExecutionStatus } from '../domain/workflow-execution';

const ICONS: Record<string, string> = {
  Pending: '·',
  Running: '▶',
  Succeeded: '✔',
  Failed: '✘',
  Skipped: '↷',
  Cancelled: '■',
};

export function stepLine(step: Pick<StepStatus, 'name' | 'actionType' | 'phase' | 'exitCode'>): string {
  const exit = step.exitCode !== undefined ? ` (exit ${step.exitCode})` : '';
  return `  ${ICONS[step.phase] ?? '?'} ${step.name.padEnd(20)} ${step.actionType.padEnd(28)} ${step.phase}${exit}`;
}

export function statusLines(status: WorkflowExecutionStatus | undefined, stepNames: string[]): string[] {
  const phase = status?.phase ?? 'Pending';
  const steps = stepNames.map(
    (name) => status?.steps?.find((s) => s.name === name) ?? { name, actionType: '', phase: 'Pending' as const },
  );
  const lock = status?.targetLock;
  const waiting = lock?.reason
    ? ` — waiting for its target (${lock.reason}), position ${lock.position} of ${lock.queueLength}`
    : '';
  return [
    `WorkflowExecution ${phase}${status?.progress ? ` — ${status.progress} steps succeeded` : ''}${waiting}`,
    ...steps.map(stepLine),
  ];
}

export class ProgressDisplay {
  private drawn = 0;
  private last = '';

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  update(lines: string[]): void {
    const text = lines.join('\n');
    if (text === this.last) return;
    this.last = text;
    if (this.out.isTTY) {
      if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
      this.out.write(`${text}\n`);
      this.drawn = lines.length;
    } else {
      this.out.write(`${text}\n`);
    }
  }
}
