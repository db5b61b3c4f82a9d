import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { toItem, toPlacementItem } from "../../shared/adapters/dynamodb/items.js";
import type { Host } from "../../shared/core/host.js";
import { summaryOf } from "../../shared/core/placement.js";
import {
  AddrTakenError,
  CapacityBelowReservedError,
  HostBusyError,
  HostNotFoundError,
  type IdempotencyRecord,
  RegistryUnavailableError,
} from "../../shared/core/registry.js";
import { host, NOW, placement } from "../support/fixtures.js";
import { metadata, mockedDynamoDb } from "../support/mocked-dynamodb.js";

// The answers of a cancelled transaction or a failed condition that DynamoDB Local does not give on
// demand (a reason without its item, a host that keeps moving), through a mocked client.
const { dynamodb, registry } = mockedDynamoDb();

/** The host read before a write, as every case here has it. */
function hostRead(one: Host) {
  dynamodb.on(GetCommand).resolves({ Item: itemOf(one) });
}

function cancelledWith(...reasons: { Code: string; Item?: Record<string, unknown>; Message?: string }[]) {
  return new TransactionCanceledException({
    message: "cancelled",
    ...metadata,
    CancellationReasons: reasons.map(({ Item, ...reason }) => ({
      ...reason,
      ...(Item && { Item: marshall(Item) }),
    })),
  });
}

function conditionFailed(item?: Record<string, unknown>) {
  return new ConditionalCheckFailedException({
    message: "failed",
    ...metadata,
    ...(item && { Item: marshall(item, { removeUndefinedValues: true }) }),
  });
}

/** A host's item as the table holds it. */
const itemOf = (one: Host) => toItem(one) as unknown as Record<string, unknown>;

const denied = Object.assign(new Error("denied"), { name: "AccessDeniedException", $metadata: {} });
const idle = host("h1", 4, 4096);
const busy = { ...idle, placements: [placement("h1", 100, 100), placement("h1", 100, 100)].map(summaryOf) };

describe("DynamoDB registry: host registration and removal, cancelled", () => {
  it("a claim refused without its item names no host", async () => {
    dynamodb
      .on(TransactWriteCommand)
      .rejects(cancelledWith({ Code: "None" }, { Code: "ConditionalCheckFailed" }));
    await expect(registry.addHost(idle)).rejects.toEqual(new AddrTakenError(idle.addr, "unknown"));
  });

  it("a registration cancelled without reasons is a 503", async () => {
    dynamodb
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: "x", ...metadata }));
    await expect(registry.addHost(idle)).rejects.toEqual(
      new RegistryUnavailableError(false, "transaction cancelled: no reasons given"),
    );
  });

  it("a removal whose host went meanwhile is false", async () => {
    hostRead(idle);
    dynamodb
      .on(TransactWriteCommand)
      .rejects(cancelledWith({ Code: "ConditionalCheckFailed" }, { Code: "None" }));
    expect(await registry.removeHost("h1", false)).toBe(false);
  });

  it("a removal whose host took placements meanwhile is busy", async () => {
    hostRead(idle);
    dynamodb
      .on(TransactWriteCommand)
      .rejects(cancelledWith({ Code: "ConditionalCheckFailed", Item: itemOf(busy) }, { Code: "None" }));
    await expect(registry.removeHost("h1", false)).rejects.toEqual(new HostBusyError("h1", 2));
  });

  const claimTaken = () => cancelledWith({ Code: "None" }, { Code: "ConditionalCheckFailed" });
  it.each([
    ["removed", undefined, true],
    ["gone meanwhile", conditionFailed(), false],
    ["busy meanwhile", conditionFailed(itemOf(busy)), new HostBusyError("h1", 2)],
    ["refused otherwise", denied, denied],
  ] as const)(
    "a removal whose address another host claimed removes the item alone: %s",
    async (_, failure, answer) => {
      hostRead(idle);
      dynamodb.on(TransactWriteCommand).rejects(claimTaken());
      if (failure) dynamodb.on(DeleteCommand).rejects(failure);
      else dynamodb.on(DeleteCommand).resolves({});
      dynamodb.on(QueryCommand).resolves({});
      const removal = registry.removeHost("h1", false);
      if (typeof answer === "boolean") expect(await removal).toBe(answer);
      else await expect(removal).rejects.toEqual(answer);
      // The host's item alone; once removed, its observation too.
      const deleted = dynamodb.commandCalls(DeleteCommand).map((call) => call.args[0].input.TableName);
      expect(deleted).toEqual(answer === true ? ["hosts", "observations"] : ["hosts"]);
    },
  );
});

describe("DynamoDB registry: host changes refused", () => {
  it("gives up on a host that moves under every attempt, naming it", async () => {
    let version = 0;
    dynamodb.on(GetCommand).callsFake(async () => ({ Item: itemOf({ ...idle, version }) }));
    dynamodb.on(UpdateCommand).callsFake(async () => {
      version++;
      throw conditionFailed(itemOf({ ...idle, version }));
    });
    await expect(registry.changeHost("h1", { labels: { a: "1" } }, NOW)).rejects.toThrow(
      "host h1 kept changing under 5 attempts to change it",
    );
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(5);
  });

  it("a host gone between its read and its write is not found", async () => {
    hostRead(idle);
    dynamodb.on(UpdateCommand).rejects(conditionFailed());
    await expect(registry.changeHost("h1", { labels: {} }, NOW)).rejects.toEqual(new HostNotFoundError("h1"));
  });

  it("a host that did not move but refused the change is below reserved, at the first attempt", async () => {
    hostRead(idle);
    dynamodb.on(UpdateCommand).rejects(conditionFailed(itemOf(idle)));
    await expect(registry.changeHost("h1", { total: { cpu: 1000 } }, NOW)).rejects.toEqual(
      new CapacityBelowReservedError("h1"),
    );
    expect(dynamodb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it("any other failure of the write is the caller's to see", async () => {
    hostRead(idle);
    dynamodb.on(UpdateCommand).rejects(denied);
    await expect(registry.changeHost("h1", { labels: {} }, NOW)).rejects.toBe(denied);
  });
});

describe("DynamoDB registry: keyed commits cancelled", () => {
  const record: IdempotencyRecord = {
    key: "k",
    fingerprint: "f",
    outcome: "placed",
    answer: {},
    deliveryId: "d-1",
    createdAt: 1000,
    expiresAt: 90_400,
  };
  const made = placement("h1", 100, 100);

  it("a key whose record expired between the two reads is busy, to be tried again", async () => {
    dynamodb
      .on(TransactWriteCommand)
      .rejects(cancelledWith({ Code: "ConditionalCheckFailed" }, { Code: "None" }));
    dynamodb.on(GetCommand).resolves({});
    expect(await registry.commit({ placement: made, idempotency: record })).toEqual({
      kind: "busy",
      unknownOutcome: false,
      cause: "idempotency record expired",
    });
  });

  it.each([
    ["with the store's words", "Item size has exceeded", "Item size has exceeded"],
    ["with the cancellation's when the store gives none", undefined, "cancelled"],
  ])("a write the store finds invalid is refused %s", async (_, message, detail) => {
    dynamodb
      .on(TransactWriteCommand)
      .rejects(
        cancelledWith({ Code: "None" }, { Code: "ValidationError", ...(message && { Message: message }) }),
      );
    expect(await registry.commit({ placement: made, idempotency: record })).toMatchObject({
      kind: "refused",
      hostId: "h1",
      detail,
    });
  });

  it("a keyed commit cancelled for no reason it names is busy", async () => {
    dynamodb
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: "x", ...metadata }));
    expect(await registry.commit({ placement: made, idempotency: record })).toEqual({
      kind: "busy",
      unknownOutcome: false,
      cause: "transaction cancelled: no reasons given",
    });
  });
});

describe("DynamoDB registry: scans", () => {
  it("lists and pages no host from Scan answers without items", async () => {
    dynamodb.on(ScanCommand).resolves({});
    expect(await registry.listHosts()).toEqual([]);
    expect((await registry.pageHosts(10)).hosts).toEqual([]);
  });
});

describe("DynamoDB registry: failures that are not cancellations", () => {
  const throttled = Object.assign(new Error("slow down"), {
    name: "ThrottlingException",
    $fault: "client",
    $metadata: {},
  });

  it("a registration or removal whose transaction is throttled is a 503 naming the throttle", async () => {
    hostRead(idle);
    dynamodb.on(TransactWriteCommand).rejects(throttled);
    const unavailable = new RegistryUnavailableError(false, "ThrottlingException");
    await expect(registry.addHost(idle)).rejects.toEqual(unavailable);
    await expect(registry.removeHost("h1", false)).rejects.toEqual(unavailable);
  });

  it("a refusal whose record cannot be written is a 503, not a refusal recorded", async () => {
    dynamodb.on(PutCommand).rejects(throttled);
    const refusal: IdempotencyRecord = {
      key: "k",
      fingerprint: "f",
      outcome: "unschedulable",
      answer: {},
      deliveryId: "d-1",
      createdAt: 1000,
      expiresAt: 90_400,
    };
    await expect(registry.recordRefusal(refusal)).rejects.toBeInstanceOf(RegistryUnavailableError);
  });

  it("a throttled commit keeps its record (an earlier attempt may have landed); a refused one deletes it", async () => {
    const made = placement("h1", 100, 100);
    dynamodb.on(PutCommand).resolves({});
    dynamodb.on(DeleteCommand).resolves({});
    dynamodb
      .on(UpdateCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(conditionFailed(itemOf(idle)));
    expect((await registry.commit({ placement: made })).kind).toBe("busy");
    expect(dynamodb.commandCalls(DeleteCommand)).toHaveLength(0);
    expect((await registry.commit({ placement: made })).kind).toBe("conflict");
    expect(dynamodb.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key)).toEqual([
      { host_id: "h1", id: made.id },
    ]);
    // Each record says when it was put: the sweep judges its age by that.
    const puts = dynamodb.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.put_at);
    expect(puts.every((at) => typeof at === "number" && at > Date.parse("2026-01-01"))).toBe(true);
  });

  it("a release whose write is throttled is a 503, not a release that never happened", async () => {
    hostRead(busy);
    dynamodb.on(UpdateCommand).rejects(throttled);
    const [first] = busy.placements;
    await expect(registry.release(first?.id ?? "")).rejects.toBeInstanceOf(RegistryUnavailableError);
  });
});

describe("DynamoDB registry: a release while a migration moves its entry", () => {
  it("reads the host again and releases the entry under its new key", async () => {
    const made = placement("h1", 100, 100);
    const { placements: _, ...bare } = itemOf(idle);
    const whole = {
      ...bare,
      placements: {
        [made.id]: {
          image: made.image,
          cpu: made.amounts.cpu,
          memory: made.amounts.memory,
          scheduler: made.scheduler,
          created_at: made.createdAt,
          container: JSON.stringify(made.container),
        },
      },
    };
    dynamodb
      .on(GetCommand, { TableName: "hosts" })
      .resolvesOnce({ Item: whole })
      .resolves({ Item: itemOf({ ...idle, placements: [summaryOf(made)] }) });
    dynamodb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    dynamodb.on(DeleteCommand).resolves({ Attributes: toPlacementItem(made, 0) });
    expect(await registry.release(made.id)).toEqual(made);
    const keys = dynamodb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input.ExpressionAttributeNames?.["#pid"]);
    expect(keys).toEqual([made.id, made.id.slice(3)]);
  });
});

describe("DynamoDB registry: reads", () => {
  // DynamoDB Local reads consistently whatever it is asked; DynamoDB does not, and a scheduler or an
  // operator acting on a stale host would judge a state that has already changed.
  it("reads hosts and idempotency records consistently, in every view", async () => {
    hostRead(busy);
    dynamodb.on(GetCommand, { TableName: "requests" }).resolves({});
    dynamodb.on(GetCommand, { TableName: "placements" }).resolves({});
    dynamodb.on(ScanCommand).resolves({ Items: [itemOf(busy)] });
    dynamodb.on(BatchGetCommand).resolves({});
    await registry.getHost("h1");
    await registry.listHosts();
    await registry.pageHosts(10);
    await registry.pagePlacements(10, busy.placements[0]?.id);
    await registry.pageHostPlacements("h1", 10);
    await registry.getPlacement(busy.placements[0]?.id ?? "");
    await registry.findIdempotencyRecord("key", 0);
    const reads = [...dynamodb.commandCalls(GetCommand), ...dynamodb.commandCalls(ScanCommand)];
    const tables = reads.map((call) => call.args[0].input.TableName);
    expect(new Set(tables)).toEqual(new Set(["hosts", "observations", "placements", "requests"]));
    expect(reads.filter((call) => call.args[0].input.ConsistentRead !== true)).toEqual([]);
    const batches = dynamodb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems);
    // A page of hosts' observations, and two pages of placement records.
    expect(batches).toHaveLength(3);
    expect(batches.flatMap((items) => Object.values(items ?? {})).every((read) => read.ConsistentRead)).toBe(
      true,
    );
  });
});
