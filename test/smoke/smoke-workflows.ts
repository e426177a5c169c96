// A workflow that proves the dev server runs workflows and activities end to end.
import { proxyActivities } from '@temporalio/workflow';

export interface SmokeActivities {
  greet(name: string): Promise<string>;
}

const { greet } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '10 seconds' });

export async function smokeWorkflow(name: string): Promise<string> {
  return `${await greet(name)} (from a workflow)`;
}
