import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { toItem } from "../../shared/adapters/dynamodb/items.js";
import { PATIENT, racingDynamoDbRegistry } from "../support/dynamodb.js";
import { host, NOW } from "../support/fixtures.js";

describe("DynamoDB registry: the lock of host changes", () => {
  it("retries a change on the new state when another landed in the same millisecond after its read", async () => {
    // Both writers' clocks say NOW, the host's last change: a timestamp lock cannot tell them apart.
    const { registry, other } = await racingDynamoDbRegistry((writer) =>
      writer.changeHost("h1", (current) => ({ labels: { ...current.labels, b: "1" } }), NOW),
    );
    await other.addHost(host("h1", 4, 8192));
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
    expect({ ...(await registry.getHost("h1")), events: [] }).toEqual({ ...changed, events: [] });
  });

  it("changes a host item written before versions as version 0, and still locks it", async () => {
    const { registry, tables } = await racingDynamoDbRegistry((other) =>
      other.changeHost("old", { labels: { by: "other" } }, NOW),
    );
    const { version: _, ...unversioned } = toItem(host("old", 4, 8192));
    const client = dynamoDbClient(inject("dynamodbEndpoint"), PATIENT);
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
