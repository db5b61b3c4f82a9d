import { describe, expect, inject, it } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb/profiles.js";
import type { UsageSample } from "../../shared/core/profile.js";
import { PATIENT } from "../support/dynamodb.js";
import { freshTables } from "../support/tables.js";

describe("an image profile in DynamoDB under concurrent writers (the shards of one refresh round)", () => {
  it("keeps every writer's samples: lost races are merged again after a jittered pause", async () => {
    const endpoint = inject("dynamodbEndpoint");
    const tables = await freshTables(endpoint);
    const store = new DynamoDbProfileStore(dynamoDbClient(endpoint, PATIENT), tables.profiles);
    const sample = (used: number): UsageSample => ({
      image: "redis:7",
      requested: { cpuMilli: 500, memory: 256 },
      used: { cpuMilli: used, memory: used },
    });
    const writers = 20;
    await Promise.all(
      Array.from({ length: writers }, (_, i) => store.record("redis:7", [sample(i), sample(i)], new Date())),
    );
    const profile = await store.get("redis:7");
    expect(profile?.samples).toBe(2 * writers);
    expect(profile?.used.cpuMilli).toBe(2 * ((writers * (writers - 1)) / 2));
  }, 60_000);
});
