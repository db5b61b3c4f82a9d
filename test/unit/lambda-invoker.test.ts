import { InvokeCommand, LambdaClient, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { LambdaInvoker, type ScheduleEvent } from "../../shared/adapters/invoker.js";

// No Lambda service runs here: the invoker's three outcomes are driven through a mocked client.
const lambda = mockClient(LambdaClient);
const invoker = new LambdaInvoker(new LambdaClient({ region: "us-east-1" }), { service: "citadel-service" });
const event: ScheduleEvent = {
  type: "service",
  container: { image: "redis" },
  correlationId: "c-1",
  deliveryId: "d-1",
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
    await expect(invoker.invoke({ ...event, type: "gpu" })).rejects.toThrow("no scheduler function");
  });
});
