// Registering the runs' custom search attributes on a self-hosted cluster (the dev server takes them
// as flags; Temporal Cloud registers them through its console or tcld). Adds only the missing ones.
import type { Connection } from '@temporalio/client';
import { searchAttributeDefinitions } from '../../temporal/search-attributes';

// The operator API takes the protobuf enum values: KEYWORD = 2, BOOL = 5.
const indexedValueTypes = { Keyword: 2, Bool: 5 } as const;

/** Returns the names it added. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(searchAttributeDefinitions).filter(([name]) => !(name in (customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedValueTypes[type]])),
  });
  return missing.map(([name]) => name);
}
