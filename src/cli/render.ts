/**
 * `npm run render -- <file>`: the dry run before applying a WorkflowExecution. Reads WFE YAML or JSON
 * (a file, or stdin when the file is omitted or '-'; several YAML documents are fine), validates each
 * exactly as the workflow will, and prints the PipelineRun it would create, or the validation errors
 * and exit code 1. The process logic is runRender(), which takes its I/O as arguments for tests.
 */
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { parseAllDocuments, stringify } from 'yaml';
import { workflowExecutionWorkflowId } from '../domain/names';
import { translatePipelineRun } from '../domain/pipeline-run';
import { formatValidationErrors, validateWorkflowExecution } from '../domain/validation';

export interface RenderIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
}

/** Objects read from a file have no uid yet (the API server assigns it); the rendered names use this one. */
export const PLACEHOLDER_UID = '00000000-0000-0000-0000-000000000000';

interface RenderOptions {
  requireDigest?: boolean;
  allowedRegistry: string[];
  allowedServiceAccount: string[];
  output: 'yaml' | 'json';
  uid?: string;
}

export async function runRender(argv: readonly string[], io: RenderIo): Promise<number> {
  const program = new Command('render')
    .description('Validate a WorkflowExecution and print the Tekton PipelineRun it becomes')
    .argument('[file]', "WorkflowExecution YAML or JSON; stdin when omitted or '-'")
    .option('--require-digest', 'reject images not pinned by @sha256 digest (policy requireDigest)')
    .option(
      '--allowed-registry <prefix>',
      'allow only images from this registry or repository prefix (repeatable; policy allowedRegistries)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--allowed-service-account <name>',
      'allow steps to run only as this ServiceAccount (repeatable; policy allowedServiceAccounts)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .option('--uid <uid>', 'metadata.uid to assume when the document has none', undefined)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
  const options = program.opts<RenderOptions>();
  if (options.output !== 'yaml' && options.output !== 'json') {
    io.stderr(`--output must be "yaml" or "json", got "${String(options.output)}"\n`);
    return 2;
  }
  const file = program.args[0];
  const source = file === undefined || file === '-' ? 'stdin' : file;

  let text: string;
  try {
    text = source === 'stdin' ? await io.readStdin() : await io.readFile(source);
  } catch (e) {
    io.stderr(`cannot read ${source}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }

  const documents = parseAllDocuments(text);
  const docs = Array.isArray(documents) ? documents : [documents];
  const rendered: unknown[] = [];
  let failed = false;
  let index = 0;
  for (const doc of docs) {
    index++;
    const where = docs.length > 1 ? `${source} (document ${index})` : source;
    if (doc.errors.length > 0) {
      io.stderr(`${where}: not valid YAML or JSON: ${doc.errors[0].message}\n`);
      failed = true;
      continue;
    }
    const obj: unknown = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const { prepared, assumedUid } = withServerDefaults(obj, options.uid);
    const result = validateWorkflowExecution(prepared, {
      requireDigest: options.requireDigest === true,
      allowedRegistries: options.allowedRegistry,
      allowedServiceAccounts: options.allowedServiceAccount,
    });
    if (!result.ok) {
      failed = true;
      const n = result.errors.length;
      io.stderr(
        `${where}: WorkflowExecution ${describe(prepared)} is invalid (${n} error${n === 1 ? '' : 's'}):\n` +
          indent(formatValidationErrors(result.errors)) +
          '\n',
      );
      continue;
    }
    const { metadata } = result.value;
    if (assumedUid) {
      io.stderr(
        `${where}: metadata.uid is not set (the API server assigns it); the PipelineRun name assumes uid ${PLACEHOLDER_UID} (--uid to choose)\n`,
      );
    }
    rendered.push(
      translatePipelineRun(result.value, {
        temporalWorkflowId: workflowExecutionWorkflowId({
          namespace: metadata.namespace,
          name: metadata.name,
          uid: metadata.uid ?? PLACEHOLDER_UID,
        }),
      }),
    );
  }

  if (rendered.length === 0 && !failed) {
    io.stderr(`${source}: no WorkflowExecution found\n`);
    return 1;
  }
  if (options.output === 'json') {
    for (const r of rendered) io.stdout(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    io.stdout(rendered.map((r) => stringify(r, { lineWidth: 0 })).join('---\n'));
  }
  return failed ? 1 : 0;
}

/** What `kubectl create` and the API server would fill in: namespace "default" and a uid. */
function withServerDefaults(obj: unknown, uid: string | undefined): { prepared: unknown; assumedUid: boolean } {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { prepared: obj, assumedUid: false };
  const record = obj as Record<string, unknown>;
  const metadata = record.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { prepared: obj, assumedUid: false };
  }
  const meta = { ...(metadata as Record<string, unknown>) };
  if (meta.namespace === undefined) meta.namespace = 'default';
  const assumedUid = meta.uid === undefined && uid === undefined;
  if (meta.uid === undefined) meta.uid = uid ?? PLACEHOLDER_UID;
  return { prepared: { ...record, metadata: meta }, assumedUid };
}

function describe(obj: unknown): string {
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '(unnamed)';
  return typeof meta?.namespace === 'string' ? `${meta.namespace}/${name}` : name;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

export const processIo: RenderIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  },
};

if (require.main === module) {
  runRender(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`render failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
