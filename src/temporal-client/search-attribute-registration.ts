/**
 * Registers the project's custom search attributes (src/domain/names.ts) on a Temporal namespace: the
 * one place that turns them into the dev server's `--search-attribute` flags and into the operator
 * service's indexed value types. Production namespaces are set up by docker/temporal/setup-namespace.sh
 * (or the Temporal Cloud console); the local stack, tests and benchmarks use these.
 */
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../domain/names';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';

export type SearchAttribute = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES];

const ALL: readonly SearchAttribute[] = Object.values(SEARCH_ATTRIBUTES);

/** `--search-attribute=Name=Type` for `temporal server start-dev`, one per attribute. */
export function searchAttributeFlags(): string[] {
  return ALL.map((a) => `--search-attribute=${a.name}=${a.type}`);
}

/** The operator service's `IndexedValueType` of an attribute (the wire enum, e.g. 2 for Keyword). */
export function indexedValueTypeOf(attribute: SearchAttribute): number {
  return encodeSearchAttributeIndexedValueType(SEARCH_ATTRIBUTE_TYPES[attribute.type])!;
}

/** The project's attributes the namespace does not have yet. */
export async function missingSearchAttributes(connection: Connection, namespace: string): Promise<SearchAttribute[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  return ALL.filter((a) => !(a.name in (existing.customAttributes ?? {})));
}

/**
 * Adds `attributes` (default: all of the project's) to the namespace; nothing to add is a no-op. A
 * namespace registered a moment ago may not be listable yet: pass the default instead of asking
 * missingSearchAttributes.
 */
export async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  attributes: readonly SearchAttribute[] = ALL,
): Promise<void> {
  if (attributes.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(attributes.map((a) => [a.name, indexedValueTypeOf(a)])),
  });
}

/** gRPC NOT_FOUND: describeNamespace of a namespace that is not registered. */
const GRPC_NOT_FOUND = 5;

/**
 * Registers `namespace` unless it exists, and gives it the project's search attributes: how the demo gets
 * a Temporal namespace of its own on the local stack's dev server. Returns whether it was registered now.
 */
export async function ensureNamespace(
  connection: Connection,
  namespace: string,
  retentionMs = 3 * 24 * 60 * 60 * 1000,
): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) throw err;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(retentionMs),
    });
    // The operator service learns of a new namespace from the server's namespace cache, a moment later.
    for (const until = Date.now() + 30_000; ;) {
      try {
        await addSearchAttributes(connection, namespace);
        return true;
      } catch (retryable) {
        const notYet = isGrpcServiceError(retryable) && retryable.code === GRPC_NOT_FOUND;
        if (!notYet || Date.now() > until) throw retryable;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
  await addSearchAttributes(connection, namespace, await missingSearchAttributes(connection, namespace));
  return false;
}
