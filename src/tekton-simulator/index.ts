/**
 * Tekton simulator: plays Tekton's controller against a real API server for tests, benchmarks and the demo
 * (there is no Tekton, and no pods, in the local stack). See simulator.ts for the controller and plan.ts for
 * the decisions; step outcomes are chosen by data (simulation-directive.ts).
 */
export { startTektonSimulator } from './simulator';
export type { TektonSimulator, TektonSimulatorOptions, TektonSimulatorStats } from './simulator';
export { planNextStep } from './plan';
export type { PlanOptions, SimulatorAction, SimulatorPlan } from './plan';
export { SIMULATED_OUTCOMES } from './simulation-directive';
export type { SimulatedOutcome, SimulationDirective } from './simulation-directive';
export { KUBERNAUT_ACTION_STEP } from './tekton-vocabulary';
