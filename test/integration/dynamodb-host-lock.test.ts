import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { toItem } from "../../shared/adapters/dynamodb-items.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
import { PATIENT } from "../support/dynamodb.js";
import { host, NOW } from "../support/fixtures.js";
import { freshTables } from "../support/tables.js";

/**
 * Two registries on the same tables, as two Lambdas would be; the first one's host-change writes wait,
 * once, for `interleave` to finish first: another writer lands between its read and its write.
 */
async function twoWriters(interleave: (other: DynamoDbRegistry) => Promise<unknown>) {
  const endpoint = inject("dynamodbEndpoint");
  const tables = await freshTables(endpoint);
  const client = dynamoDbClient(endpoint, PATIENT);
  const other = new DynamoDbRegistry(dynamoDbClient(endpoint, PATIENT), tables);
  let pending = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (pending && context.commandName === "UpdateItemCommand") {
        pending = false;
        await interleave(other);
      }
      return next(args);
    },
    { step: "initialize" },
  );
  return { registry: new DynamoDbRegistry(client, tables), client, tables };
}

describe("DynamoDB registry: the lock of host changes", () => {
  it("retries a change on the new state when another landed in the same millisecond after its read", async () => {
    // Both writers' clocks say NOW, the host's last change: a timestamp lock cannot tell them apart.
    const { registry } = await twoWriters((other) =>
      other.changeHost("h1", (current) => ({ labels: { ...current.labels, b: "1" } }), NOW),
    );
    await registry.addHost(host("h1", 4, 8192));
    const seen: number[] = [];
    const changed = await registry.changeHost(
      "h1",
      (current) => {
        seen.push(current.version);
        return { labels: { ...current.labels, a: "1" } };
      },
      NOW,
    );
    expect(seen).toEqual([0, 1]);
    expect([changed.labels, changed.version]).toEqual([{ a: "1", b: "1" }, 2]);
    expect(await registry.getHost("h1")).toEqual(changed);
  });

  it("changes a host item written before versions as version 0, and still locks it", async () => {
    const { registry, client, tables } = await twoWriters((other) =>
      other.changeHost("old", { labels: { by: "other" } }, NOW),
    );
    const { version: _, ...unversioned } = toItem(host("old", 4, 8192));
    await client.send(new PutItemCommand({ TableName: tables.hosts, Item: marshall(unversioned) }));
    expect((await registry.getHost("old"))?.version).toBe(0);
    const changed = await registry.changeHost(
      "old",
      (current) => ({ labels: { ...current.labels, by: `${current.labels.by} and me` } }),
      NOW,
    );
    expect([changed.labels, changed.version]).toEqual([{ by: "other and me" }, 2]);
  });
});
