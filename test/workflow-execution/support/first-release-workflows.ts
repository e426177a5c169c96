/**
 * The workflow code of the first release, as a bundle entry: its workflowExecutionWorkflow is the code path
 * kept in src/workflows/workflow-execution-v1.ts (unchanged command for command: its recorded histories
 * replay against it), next to today's effectiveness workflows. Workers built from this entry play a
 * worker that ran before the upgrade (upgrade.test.ts).
 */
export { effectivenessAssessmentWorkflow } from '../../../src/workflows/effectiveness-assessment';
export { effectivenessMonitorWorkflow } from '../../../src/workflows/effectiveness-monitor';
export { workflowExecutionV1 as workflowExecutionWorkflow } from '../../../src/workflows/workflow-execution-v1';
