/**
 * Re-records the effectiveness workflow histories that the replay test (test/effectiveness/replay.test.ts)
 * checks for determinism. Run it when a workflow change is *meant* to be incompatible with old
 * histories (and think about versioning with `patched()` first — running workflows replay too):
 *
 *     npm run stack -- up
 *     npx tsx test/effectiveness/support/record-histories.ts
 *
 * It runs a scenario that exercises every path of both workflows on the local stack, in a namespace
 * of its own, and writes test/fixtures/histories/effectiveness-{monitor-delayed,assessment-delayed,
 * assessment-fallback,monitor-burst}.json:
 * - monitor-delayed: a run that starts assessments (delayed starts, one local activity per batch), drops a
 *   duplicate from its memory, meets an assessment that already exists (memory forgot it), drops a malformed
 *   signal and continues as new;
 * - assessment-delayed: started after its window (start delay, no timer), both Data Storage calls (local
 *   activities), a seeded history scored;
 * - assessment-fallback: the database cut through the first call's local attempts, so it went on as a regular
 *   activity; the second call local again.
 * - monitor-burst: twelve signals before the monitor's first workflow task, their starts one regular activity.
 * Kept from earlier releases, never re-recorded, so runs begun then keep replaying: `effectiveness-monitor.json`
 * (the same monitor scenario starting children), `effectiveness-assessment-lean.json` (that child: its timer,
 * then two local activities) and `effectiveness-assessment.json` (before those: two regular activities).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Pool } from 'pg';
import { createDataStorage } from '../../../src/datastorage/repository';
import { effectivenessAssessmentWorkflowId } from '../../../src/domain/names';
import type { EffectivenessMonitorStatus } from '../../../src/workflows/effectiveness-monitor';
import { startTcpProxy } from '../../support/tcp-proxy';
import { eventually, uniqueName } from '../../support/stack';
import { createEffectivenessTestEnv, terminalRemediation } from './effectiveness-env';
import { seedActionHistory } from './seed';

export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'histories');
/** Recorded before DELAYED_ASSESSMENT_STARTS_PATCH: the monitor starting children. */
export const MONITOR_FIXTURE = path.join(FIXTURES_DIR, 'effectiveness-monitor.json');
export const MONITOR_DELAYED_FIXTURE = path.join(FIXTURES_DIR, 'effectiveness-monitor-delayed.json');
/** A burst: twelve signals before the monitor's first workflow task, started by one regular activity. */
export const MONITOR_BURST_FIXTURE = path.join(FIXTURES_DIR, 'effectiveness-monitor-burst.json');
/** Recorded before LEAN_ASSESSMENT_PATCH: the two calls as regular activities. */
export const ASSESSMENT_FIXTURE = path.join(FIXTURES_DIR, 'effectiveness-assessment.json');
/** A child of the monitor (before DELAYED_ASSESSMENT_STARTS_PATCH): its timer, then both calls local. */
export const ASSESSMENT_LEAN_FIXTURE = path.join(FIXTURES_DIR, 'effectiveness-assessment-lean.json');
export const ASSESSMENT_DELAYED_FIXTURE = path.join(FIXTURES_DIR, 'effectiveness-assessment-delayed.json');
/** The same with the database unreachable through the first call's local attempts: it went on as an activity. */
export const ASSESSMENT_FALLBACK_FIXTURE = path.join(FIXTURES_DIR, 'effectiveness-assessment-fallback.json');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await createEffectivenessTestEnv('effectiveness-record');
  try {
    await env.startWorker('recorder');
    const target = `${uniqueName('shop')}/Deployment/web`;
    const actionType = 'kubernetes/restart_pod';
    const a = terminalRemediation(target, [actionType]);
    const b = terminalRemediation(target, [actionType]);
    await seedActionHistory(env.dataStorage, {
      target,
      actionType,
      actions: [
        { status: 'succeeded', ageMs: 5 * 60_000, remediationId: a.remediation.id },
        { status: 'failed', ageMs: 3 * 24 * 3_600_000 },
        { status: 'succeeded', ageMs: 9 * 7 * 24 * 3_600_000 },
      ],
    });
    const monitor = { stabilizationWindowMs: 1_000, continueAsNewAfterSignals: 4, dedupeCapacity: 1 };

    // Each signal waits for the one before to be handled, so every path gets a workflow task of its own.
    const handled = (what: string, done: (t: EffectivenessMonitorStatus['totals']) => boolean) =>
      eventually(what, async () => {
        const status = await env.client.workflow.getHandle(env.monitorId).query<EffectivenessMonitorStatus>('status');
        return done(status.totals) ? true : undefined;
      });
    const { runId } = await env.signal(a, monitor);
    await handled('assessment of a started', (t) => t.started === 1);
    await env.signal(b, monitor); // the memory (capacity 1) forgets a
    await handled('assessment of b started', (t) => t.started === 2);
    await env.signal(a, monitor); // already started: the assessment's id refuses a second run
    await handled('a found already started', (t) => t.alreadyStarted === 1);
    await env.client.workflow.getHandle(env.monitorId).signal('remediationTerminal', { ...a, phase: 'Running' });

    const firstRun = env.client.workflow.getHandle(env.monitorId, runId);
    await eventually('monitor run 1 continued as new', async () =>
      (await firstRun.describe()).status.name === 'CONTINUED_AS_NEW' ? true : undefined,
    );
    const assessment = env.client.workflow.getHandle(effectivenessAssessmentWorkflowId(a.remediation));
    await assessment.result();

    fs.mkdirSync(FIXTURES_DIR, { recursive: true });
    fs.writeFileSync(MONITOR_DELAYED_FIXTURE, historyToJSON(await firstRun.fetchHistory()) + '\n');
    fs.writeFileSync(ASSESSMENT_DELAYED_FIXTURE, historyToJSON(await assessment.fetchHistory()) + '\n');
    console.log(
      `wrote ${path.relative(process.cwd(), MONITOR_DELAYED_FIXTURE)} and ${path.relative(process.cwd(), ASSESSMENT_DELAYED_FIXTURE)}`,
    );
    await env.resetMonitor();
  } finally {
    await env.close();
  }
  await recordFallback();
  await recordBurst();
}

/** Twelve remediations reported while no worker runs: the monitor's first task sees them all, one batch. */
async function recordBurst(): Promise<void> {
  const env = await createEffectivenessTestEnv('effectiveness-record-burst');
  try {
    const target = `${uniqueName('shop')}/Deployment/web`;
    const burst = Array.from({ length: 12 }, () => terminalRemediation(target, ['kubernetes/restart_pod']));
    let runId = '';
    for (const r of burst) ({ runId } = await env.signal(r, { stabilizationWindowMs: 0 }));
    await env.startWorker('recorder');
    const monitor = env.client.workflow.getHandle(env.monitorId, runId);
    await eventually('the burst started', async () => {
      const { totals } = await monitor.query<EffectivenessMonitorStatus>('status');
      return totals.started === burst.length ? true : undefined;
    });
    fs.writeFileSync(MONITOR_BURST_FIXTURE, historyToJSON(await monitor.fetchHistory()) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), MONITOR_BURST_FIXTURE)}`);
    await env.resetMonitor();
  } finally {
    await env.close();
  }
}

/** An assessment whose worker reaches PostgreSQL through a proxy cut until its first call became an activity. */
async function recordFallback(): Promise<void> {
  const env = await createEffectivenessTestEnv('effectiveness-record-outage');
  const url = new URL(env.db.url);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  url.port = String(proxy.port);
  const pool = new Pool({ connectionString: url.toString(), connectionTimeoutMillis: 1_000 });
  pool.on('error', () => undefined);
  try {
    await env.startWorker('recorder', { dataStorage: createDataStorage(pool) });
    const r = terminalRemediation(`${uniqueName('shop')}/Deployment/web`, ['kubernetes/restart_pod']);
    const handle = env.client.workflow.getHandle(effectivenessAssessmentWorkflowId(r.remediation));
    await proxy.cut();
    await env.signal(r, { stabilizationWindowMs: 0 });
    await eventually(
      'first call scheduled as an activity',
      async () =>
        (await handle.fetchHistory()).events?.some((e) => e.activityTaskScheduledEventAttributes) ? true : undefined,
      60_000,
    );
    await proxy.restore();
    await handle.result();
    fs.writeFileSync(ASSESSMENT_FALLBACK_FIXTURE, historyToJSON(await handle.fetchHistory()) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), ASSESSMENT_FALLBACK_FIXTURE)}`);
    await env.resetMonitor();
  } finally {
    await env.close();
    await pool.end();
    await proxy.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
