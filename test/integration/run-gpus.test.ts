import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { apiEvent } from "../support/api-event.js";
import { PATIENT } from "../support/dynamodb.js";
import { type RogueEngine, startRogueEngine } from "../support/rogue-engine.js";
import { freshTables } from "../support/tables.js";

// Run mode with GPUs: the test engines here have no GPU (nor the NVIDIA runtime a real start needs), so
// an engine that speaks Docker's API shows the create call's body: the devices granted, by id.

let engine: RogueEngine;
let api: ReturnType<typeof inProcessApi>["api"];

beforeAll(async () => {
  const endpoint = inject("dynamodbEndpoint");
  const registry = new DynamoDbRegistry(dynamoDbClient(endpoint, PATIENT), await freshTables(endpoint));
  ({ api } = inProcessApi(registry, { snapshotMaxAgeMs: 0, maxAttempts: 5 }));
  engine = await startRogueEngine();
});

afterAll(async () => {
  await engine?.close();
});

async function place(body: Record<string, unknown>) {
  const answer = await api(apiEvent("POST", "/v1/placements", { body: JSON.stringify(body) }));
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
  return { status: answer.statusCode, body: JSON.parse(String(answer.body)) as any };
}

describe("run mode with GPUs", () => {
  it("passes the granted devices to the engine by id, whole or shared", async () => {
    const host = {
      addr: engine.addr,
      id: "gpu",
      total_cpus: 8,
      total_memory: 8192,
      gpus: { count: 4, model: "T4" },
    };
    expect((await api(apiEvent("POST", "/v1/hosts", { body: JSON.stringify(host) }))).statusCode).toBe(201);
    const request = { image: "example/train:1", cpus: 1, memory: 256, type: "batch", run: true };
    const whole = await place({ ...request, gpus: 2 });
    const shared = await place({ ...request, gpus: 0.25 });
    expect([whole.status, shared.status]).toEqual([201, 201]);
    expect(whole.body.placement.gpus).toEqual({ devices: ["0", "1"] });
    expect(shared.body.placement.gpus).toEqual({ devices: ["2"], share: 0.25 });
    const sent = engine.created().map((container) => container.hostConfig.DeviceRequests);
    expect(sent).toEqual([
      [{ Driver: "nvidia", DeviceIDs: ["0", "1"], Capabilities: [["gpu"]] }],
      [{ Driver: "nvidia", DeviceIDs: ["2"], Capabilities: [["gpu"]] }],
    ]);
    // A placement without GPUs asks for no device.
    expect((await place(request)).status).toBe(201);
    expect(engine.created()[2]?.hostConfig.DeviceRequests).toBeUndefined();
  });
});
