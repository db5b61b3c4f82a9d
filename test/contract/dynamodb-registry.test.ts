import { describe, expect, it } from "vitest";
import { SCAN_SEGMENTS } from "../../shared/adapters/dynamodb-registry.js";
import { freshDynamoDbRegistry } from "../support/dynamodb.js";
import { host } from "../support/fixtures.js";
import { hostChangesContract } from "./host-changes-contract.js";
import { registryContract } from "./registry-contract.js";

registryContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry);
hostChangesContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry);

describe("DynamoDB registry: the hosts Scan", () => {
  it("lists every host exactly once when each parallel segment spans several 1 MB pages", async () => {
    const registry = await freshDynamoDbRegistry();
    // Hosts of about 300 KB (a large label): about 2 MB per segment, so every segment pages.
    const count = SCAN_SEGMENTS * 7;
    const bulky = { notes: "x".repeat(300_000) };
    const ids = Array.from({ length: count }, (_, index) => `h${String(index).padStart(3, "0")}`);
    for (const id of ids) await registry.addHost(host(id, 4, 8192, bulky));
    const listed = await registry.listHosts();
    expect(listed.map((one) => one.id).sort()).toEqual(ids);
    expect(listed.every((one) => one.labels.notes?.length === 300_000)).toBe(true);
  }, 60_000);
});
