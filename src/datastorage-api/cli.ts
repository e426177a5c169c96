/**
 * `npm run datastorage -- <command>`: the Data Storage's commands for people.
 *
 *   serve                          run the API (configuration from the environment, README)
 *   history  [filters]             action records through the API, newest first
 *   wfe <uid>                      the records of one WorkflowExecution
 *   stats    [--target] [--action-type] [--days]   success statistics per action type
 *   assessments [filters]          effectiveness assessments
 *   assessment <namespace>/<name>  the assessment of one remediation
 *   migrate, maintain-partitions, retention, partitions   database maintenance (src/datastorage/cli.ts)
 *
 * Client commands reach the API at --url (KUBERNAUT_DATASTORAGE_URL, default http://127.0.0.1:8090) with
 * --token (KUBERNAUT_DATASTORAGE_TOKEN); they print a table, or the API's JSON with --json.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { addMaintenanceCommands } from '../datastorage/cli';
import { createDataStorageClient, DataStorageApiError } from './client';
import { ConfigurationError, loadDataStorageApiConfig } from './config';
import { formatActionRecords, formatAssessments, formatStatistics } from './format';
import { runDataStorageApi } from './process';

const DAY_MS = 86_400_000;
const out = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);

/** `7d`, `12h`, `90m` before now, or an RFC 3339 timestamp as is. */
export function sinceArgument(value: string, now = Date.now()): string {
  const m = /^(\d+)(d|h|m)$/.exec(value.trim());
  if (m) {
    const unit = { d: DAY_MS, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
    return new Date(now - Number(m[1]) * unit).toISOString();
  }
  if (!Number.isNaN(Date.parse(value)) && /T/.test(value)) return value;
  throw new InvalidArgumentError('must be a duration before now (7d, 12h, 30m) or an RFC 3339 timestamp');
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function positive(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
}

interface ClientOptions {
  url: string;
  token?: string;
  json: boolean;
}

function withClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--url <url>', 'API base URL').env('KUBERNAUT_DATASTORAGE_URL').default('http://127.0.0.1:8090'),
    )
    .addOption(new Option('--token <token>', 'bearer token').env('KUBERNAUT_DATASTORAGE_TOKEN'))
    .option('--json', 'print the API’s JSON instead of a table', false);
}

const clientOf = (o: ClientOptions) => createDataStorageClient({ baseUrl: o.url, token: o.token });

export function dataStorageProgram(): Command {
  const program = new Command('datastorage')
    .description('Kubernaut Data Storage: the read API, its clients and database maintenance')
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the Data Storage API (configuration from the environment: see README)')
    .action(async () => {
      await runDataStorageApi(loadDataStorageApiConfig());
    });

  withClientOptions(program.command('history'))
    .description('action records, newest first (all filters combine)')
    .option('--target <target>', 'namespace/Kind/name')
    .option('--action-type <types>', 'comma-separated action types', list)
    .option('--namespace <namespace>', 'namespace of the WorkflowExecutions')
    .option('--status <statuses>', 'comma-separated statuses', list)
    .option('--remediation <id>', 'remediation id (namespace/name)')
    .option('--since <when>', 'start: 7d, 12h, 30m ago or an RFC 3339 timestamp (default 7d)', (v) => sinceArgument(v))
    .option('--until <timestamp>', 'end (RFC 3339), default now')
    .option('--limit <n>', 'records per page', positive, 50)
    .option('--pages <n>', 'follow nextCursor for up to this many pages', positive, 1)
    .action(
      async (
        o: ClientOptions & {
          target?: string;
          actionType?: string[];
          namespace?: string;
          status?: string[];
          remediation?: string;
          since: string;
          until?: string;
          limit: number;
          pages: number;
        },
      ) => {
        const client = clientOf(o);
        const since = o.since ?? sinceArgument('7d');
        let cursor: string | undefined;
        for (let page = 0; page < o.pages; page++) {
          const result = await client.listActionRecords({
            since,
            until: o.until,
            target: o.target,
            actionType: o.actionType,
            namespace: o.namespace,
            status: o.status,
            remediationId: o.remediation,
            limit: o.limit,
            cursor,
          });
          out(o.json ? [JSON.stringify(result, null, 2)] : formatActionRecords(result));
          cursor = result.nextCursor ?? undefined;
          if (!cursor) break;
        }
      },
    );

  withClientOptions(program.command('wfe'))
    .description('the action records of one WorkflowExecution')
    .argument('<uid>', 'metadata.uid of the WorkflowExecution')
    .action(async (uid: string, o: ClientOptions) => {
      const result = await clientOf(o).getWorkflowExecutionActionRecords(uid);
      out(o.json ? [JSON.stringify(result, null, 2)] : formatActionRecords(result));
    });

  withClientOptions(program.command('stats'))
    .description('success statistics per action type over whole UTC days')
    .option('--target <target>', 'namespace/Kind/name')
    .option('--action-type <types>', 'comma-separated action types', list)
    .option('--days <n>', 'number of days up to today', positive, 90)
    .action(async (o: ClientOptions & { target?: string; actionType?: string[]; days: number }) => {
      const result = await clientOf(o).getActionStatistics({
        target: o.target,
        actionType: o.actionType,
        days: o.days,
      });
      out(o.json ? [JSON.stringify(result, null, 2)] : formatStatistics(result));
    });

  withClientOptions(program.command('assessments'))
    .description('effectiveness assessments, newest first')
    .option('--target <target>', 'namespace/Kind/name')
    .option('--status <statuses>', 'comma-separated: assessed, insufficient_data, ineffective_loop', list)
    .option('--since <when>', 'start: a duration before now or an RFC 3339 timestamp (default 30d)', (v) =>
      sinceArgument(v),
    )
    .option('--limit <n>', 'assessments', positive, 50)
    .action(async (o: ClientOptions & { target?: string; status?: string[]; since?: string; limit: number }) => {
      const since = o.since ?? sinceArgument('30d');
      const result = await clientOf(o).listEffectivenessAssessments({
        since,
        target: o.target,
        status: o.status,
        limit: o.limit,
      });
      out(o.json ? [JSON.stringify(result, null, 2)] : formatAssessments(result));
    });

  withClientOptions(program.command('assessment'))
    .description('the effectiveness assessment of one remediation')
    .argument('<remediation>', 'namespace/name of the RemediationRequest')
    .action(async (remediation: string, o: ClientOptions) => {
      const [namespace, name, ...rest] = remediation.split('/');
      if (!namespace || !name || rest.length > 0) throw new InvalidArgumentError('expected <namespace>/<name>');
      const result = await clientOf(o).getEffectivenessAssessment(namespace, name);
      out(o.json ? [JSON.stringify(result, null, 2)] : formatAssessments({ assessments: [result] }));
    });

  return addMaintenanceCommands(program);
}

if (require.main === module) {
  dataStorageProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      const message =
        err instanceof DataStorageApiError || err instanceof ConfigurationError || err instanceof InvalidArgumentError
          ? err.message
          : err instanceof Error
            ? err.message
            : String(err);
      process.stderr.write(`error: ${message}\n`);
      process.exitCode = 1;
    });
}
