import { readFileSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { createApi } from "../../functions/api/router.js";
import { createScheduler } from "../../functions/scheduler/scheduler.js";
import { readHostAllowlist } from "../../shared/adapters/config.js";
import { MemoryProfileStore } from "../../shared/adapters/memory-profiles.js";
import { PRIVATE_RANGES } from "../../shared/core/address.js";
import { place } from "../../shared/core/place.js";
import { type IdempotencyRecord, RegistryUnavailableError } from "../../shared/core/registry.js";
import { amounts } from "../../shared/core/resources.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { fixedHosts, host, NOW, noEngines, placement, scheduler } from "../support/fixtures.js";
import { metadata, mockedDynamoDb } from "../support/mocked-dynamodb.js";

// DynamoDB Local never throttles, never reports a TransactionConflict and never times out: these
// paths are driven through a mocked client. Everything else is tested against DynamoDB Local.
const { dynamodb, registry } = mockedDynamoDb();

const record: IdempotencyRecord = {
  key: "k",
  fingerprint: "f",
  outcome: "placed",
  answer: { ok: true },
  deliveryId: "d-1",
  createdAt: 1000,
  expiresAt: 90_400,
};

function serviceError(name: string, fault: "client" | "server", message = name) {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: {} });
}

/** The host item as DynamoDB would return it, raw, in a failed condition's ALL_OLD. */
function rawHostItem(freeCpu: number, placementIds: string[] = []) {
  const entry = {
    image: "redis:7",
    cpu: 1,
    memory: 1,
    scheduler: "service",
    created_at: NOW.toISOString(),
    container: "{}",
  };
  return marshall({
    id: "h1",
    addr: "h1:2375",
    labels: {},
    status: "ready",
    status_reason: "registered",
    status_changed_at: NOW.toISOString(),
    total_cpu: 4000,
    total_memory: 4096,
    free_cpu: freeCpu,
    free_memory: 4096,
    placements: Object.fromEntries(placementIds.map((id) => [id, entry])),
    created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(),
  });
}

/** The placement loop on the mocked DynamoDB registry, with one host and four attempts. */
function placeOnOneHost() {
  const snapshot = new HostSnapshot(fixedHosts([host("h1", 4, 4096)]), 60_000);
  return place(
    scheduler("batch"),
    {
      request: {
        image: "redis:7",
        amounts: amounts({ cpu: 100, memory: 100 }),
        type: "batch",
        constraints: [],
        labels: {},
      },
      container: {},
      fingerprint: "f",
      deliveryId: "d-1",
    },
    { registry, snapshot, maxAttempts: 4, now: () => NOW, random: () => 0.5, sleep: async () => {} },
  );
}

// biome-ignore lint/suspicious/noExplicitAny: sample events are typed by the handler they are fed to
function load(name: string): any {
  return JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), "utf8"));
}

describe("DynamoDB failures the real DynamoDB Local cannot produce", () => {
  it.each(["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"])(
    "%s is busy, to be retried elsewhere",
    async (name) => {
      dynamodb.on(UpdateCommand).rejects(serviceError(name, "client"));
      expect(await registry.commit({ placement: placement("h1", 100, 100) })).toEqual({
        kind: "busy",
        unknownOutcome: false,
        cause: name,
      });
    },
  );

  it.each([
    ["TimeoutError", "client"],
    ["InternalServerError", "server"],
    ["ECONNRESET", "client"],
  ] as const)("%s leaves the outcome unknown, to be replayed on the same host", async (name, fault) => {
    dynamodb.on(UpdateCommand).rejects(serviceError(name, fault));
    expect(await registry.commit({ placement: placement("h1", 100, 100) })).toMatchObject({
      kind: "busy",
      unknownOutcome: true,
    });
  });

  // A ValidationException is the store refusing the write for that host (test/integration/dynamodb-item-limit.test.ts).
  it.each(["CredentialsProviderError"])("%s is a bug or a misconfiguration, and is thrown", async (name) => {
    dynamodb.on(UpdateCommand).rejects(serviceError(name, "client"));
    await expect(registry.commit({ placement: placement("h1", 100, 100) })).rejects.toThrow(name);
  });

  it("a failed condition on a host that already holds the placement means an earlier try landed", async () => {
    const made = placement("h1", 100, 100);
    dynamodb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: "failed",
        ...metadata,
        Item: rawHostItem(0, [made.id]),
      }),
    );
    const outcome = await registry.commit({ placement: made });
    expect(outcome.kind === "committed" && outcome.host?.placements.map((live) => live.id)).toEqual([
      made.id,
    ]);
  });

  it("a failed condition without the placement is a conflict carrying the host as it is now", async () => {
    dynamodb
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: "failed", ...metadata, Item: rawHostItem(50) }),
      );
    const outcome = await registry.commit({ placement: placement("h1", 100, 100) });
    expect(outcome.kind === "conflict" && outcome.host?.freeCpu).toBe(50);
  });

  it("a TransactionConflict cancellation is busy", async () => {
    dynamodb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        ...metadata,
        CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
      }),
    );
    const outcome = await registry.commit({ placement: placement("h1", 100, 100), idempotency: record });
    expect(outcome).toEqual({
      kind: "busy",
      unknownOutcome: false,
      cause: "transaction cancelled: None,TransactionConflict",
    });
  });

  it("a registration or removal cancelled by a TransactionConflict is a 503 the caller may retry", async () => {
    const conflict = new TransactionCanceledException({
      message: "cancelled",
      ...metadata,
      CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
    });
    dynamodb.on(TransactWriteCommand).rejects(conflict);
    dynamodb.on(GetCommand).resolves({ Item: unmarshall(rawHostItem(4000)) });
    const unavailable = new RegistryUnavailableError(
      false,
      "transaction cancelled: None,TransactionConflict",
    );
    await expect(registry.addHost(host("h1", 4, 4096))).rejects.toEqual(unavailable);
    await expect(registry.removeHost("h1", false)).rejects.toEqual(unavailable);
  });

  it("a cancellation on the idempotency record is a duplicate carrying the first record", async () => {
    const stored = {
      key: "k",
      fingerprint: "first",
      outcome: "placed",
      answer: JSON.stringify({ first: true }),
      delivery_id: "d-0",
      created_at: 900,
      expires_at: 87_300,
    };
    dynamodb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        ...metadata,
        CancellationReasons: [{ Code: "ConditionalCheckFailed", Item: marshall(stored) }, { Code: "None" }],
      }),
    );
    expect(await registry.commit({ placement: placement("h1", 100, 100), idempotency: record })).toEqual({
      kind: "duplicate",
      record: {
        key: "k",
        fingerprint: "first",
        outcome: "placed",
        answer: { first: true },
        deliveryId: "d-0",
        createdAt: 900,
        expiresAt: 87_300,
      },
    });
  });

  it("the placement loop retries through throttling and answers 503-worthy contention when it never ends", async () => {
    dynamodb.on(UpdateCommand).rejects(serviceError("ThrottlingException", "client"));
    const outcome = await placeOnOneHost();
    expect(outcome).toMatchObject({ kind: "contention", stats: { attempts: 4, conflicts: 0, busy: 4 } });
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(4);
  });

  it("the placement loop recovers when throttling passes", async () => {
    dynamodb
      .on(UpdateCommand)
      .rejectsOnce(serviceError("ThrottlingException", "client"))
      .rejectsOnce(serviceError("TimeoutError", "server"))
      .resolves({});
    const outcome = await placeOnOneHost();
    expect(outcome).toMatchObject({ kind: "placed", stats: { attempts: 3, busy: 2 } });
  });

  it("a throttled store is a 503 the caller may retry (release, delete), not a 500", async () => {
    dynamodb.onAnyCommand().rejects(serviceError("ThrottlingException", "client"));
    await expect(registry.release("h1.abcdefgh1234")).rejects.toBeInstanceOf(RegistryUnavailableError);
    const api = createApi({
      registry,
      hostAllowlist: readHostAllowlist({}, PRIVATE_RANGES),
      invoker: { invoke: async () => ({ statusCode: 500, headers: {}, body: {} }) },
      refresh: async () => Promise.reject(new Error("no refresh in this test")),
      profiles: new MemoryProfileStore(),
      now: () => NOW,
      logger: new Logger({ serviceName: "test" }),
    });
    const answer = await api(load("delete-host-busy"));
    expect([
      answer.statusCode,
      answer.headers?.["retry-after"],
      JSON.parse(String(answer.body)).error,
    ]).toEqual([503, "1", "unavailable"]);
  });

  it("a scheduler that cannot read the hosts answers 503 with Retry-After", async () => {
    dynamodb.on(ScanCommand).rejects(serviceError("InternalServerError", "server"));
    const scheduler = createScheduler({
      registry,
      snapshot: new HostSnapshot(registry, 0),
      maxAttempts: 3,
      now: () => NOW,
      random: () => 0,
      sleep: async () => {},
      servesType: undefined,
      logger: new Logger({ serviceName: "test" }),
      engines: noEngines,
    });
    const answer = await scheduler(load("scheduler-service"));
    expect([answer.statusCode, answer.headers["retry-after"], answer.body.error]).toEqual([
      503,
      "1",
      "unavailable",
    ]);
  });
});
