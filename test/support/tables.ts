import { randomUUID } from "node:crypto";
import type { TableNames } from "../../shared/adapters/dynamodb/tables.js";
import { createTables } from "../../shared/local/dynamodb-local.js";

/** New, uniquely named Citadel tables on a DynamoDB Local. */
export async function freshTables(endpoint: string): Promise<TableNames> {
  const suffix = randomUUID().slice(0, 8);
  const tables: TableNames = {
    hosts: `hosts-${suffix}`,
    placements: `placements-${suffix}`,
    observations: `observations-${suffix}`,
    events: `events-${suffix}`,
    requests: `requests-${suffix}`,
    profiles: `profiles-${suffix}`,
    addresses: `addresses-${suffix}`,
  };
  await createTables(endpoint, tables);
  return tables;
}
