import { Logger } from "@aws-lambda-powertools/logger";
import { InvokeCommand, LambdaClient, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createApi } from "../../functions/api/router.js";
import { readHostAllowlist } from "../../shared/adapters/config.js";
import { LambdaInvoker, type ScheduleEvent } from "../../shared/adapters/invoker.js";
import { lambdaInvoke } from "../../shared/adapters/lambda-invoke.js";
import { MemoryProfileStore } from "../../shared/adapters/memory-profiles.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { lambdaRefresher, RefreshRunningError } from "../../shared/adapters/refresh-invoker.js";
import { PRIVATE_RANGES } from "../../shared/core/address.js";
import { apiEvent } from "../support/api-event.js";

// No Lambda service runs here: the invoker's three outcomes are driven through a mocked client.
const lambda = mockClient(LambdaClient);
// The mock patches the client class itself: give it back to the other test files of this worker.
afterAll(() => lambda.restore());
const invoker = new LambdaInvoker(lambdaInvoke({ region: "us-east-1" }), { service: "citadel-service" });
const event: ScheduleEvent = {
  type: "service",
  container: { image: "redis" },
  correlationId: "c-1",
  deliveryId: "d-1",
  caller: "anonymous",
};
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

beforeEach(() => {
  lambda.reset();
});

describe("the Lambda invoker", () => {
  it("invokes the type's function with the event and returns its answer", async () => {
    const answer = { statusCode: 201, headers: {}, body: { ok: true } };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(answer) as never });
    expect(await invoker.invoke(event)).toEqual(answer);
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(sent?.FunctionName).toBe("citadel-service");
    expect(JSON.parse(new TextDecoder().decode(sent?.Payload as Uint8Array))).toEqual(event);
  });

  it("answers 503 when the scheduler is at its concurrency limit", async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: "Rate exceeded", $metadata: {} }));
    expect(await invoker.invoke(event)).toMatchObject({ statusCode: 503, headers: { "retry-after": "1" } });
  });

  it("throws when the scheduler itself failed (a bug: the router answers 500)", async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: encode({}) as never });
    await expect(invoker.invoke(event)).rejects.toThrow("scheduler citadel-service failed");
  });

  it("throws for a type no function is configured for", async () => {
    await expect(invoker.invoke({ ...event, type: "quantum" })).rejects.toThrow("no scheduler function");
  });
});

describe("the refresh invoker", () => {
  const refresh = lambdaRefresher(lambdaInvoke({ region: "us-east-1" }), "citadel-refresh");

  it("invokes the refresh function and returns its report", async () => {
    const report = { hosts: 2, answered: 2, down: 0, released: 0, ms: 40, results: [] };
    lambda
      .on(InvokeCommand, { FunctionName: "citadel-refresh" })
      .resolves({ StatusCode: 200, Payload: encode(report) as never });
    expect(await refresh()).toEqual(report);
    // It asks for a round that ends before the router must answer.
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload;
    expect(JSON.parse(new TextDecoder().decode(sent as Uint8Array))).toEqual({ budget_ms: 20_000 });
  });

  it("says a refresh is already running when the function is at its concurrency of 1", async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: "Rate exceeded", $metadata: {} }));
    await expect(refresh()).rejects.toBeInstanceOf(RefreshRunningError);
  });

  it("the router answers 503 refresh_running, with Retry-After, meanwhile", async () => {
    const api = createApi({
      registry: new MemoryRegistry(),
      hostAllowlist: readHostAllowlist({}, PRIVATE_RANGES),
      invoker: { invoke: async () => Promise.reject(new Error("not used")) },
      refresh: async () => Promise.reject(new RefreshRunningError()),
      profiles: new MemoryProfileStore(),
      now: () => new Date(),
      logger: new Logger({ serviceName: "test" }),
    });
    const answer = await api(apiEvent("POST", "/v1/hosts/refresh"));
    expect([
      answer.statusCode,
      answer.headers?.["retry-after"],
      JSON.parse(String(answer.body)).error,
    ]).toEqual([503, "5", "refresh_running"]);
  });
});
