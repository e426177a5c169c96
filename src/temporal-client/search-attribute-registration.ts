/**
 * Registers the project's custom search attributes (src/domain/names.ts) on a Temporal namespace: the
 * one place that turns them into the dev server's `--search-attribute` flags and into the operator
 * service's indexed value types. Production namespaces are set up by docker/temporal/setup-namespace.sh
 * (or the Temporal Cloud console); the local stack, tests and benchmarks use these.
 */
import type { Connection } from '@temporalio/client';
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
