import { describe, expect, it } from "vitest";
import { ApiError, EXIT } from "../../cli/exit.js";

describe("the exit code of an answer", () => {
  it.each([
    [400, "invalid_request", EXIT.usage],
    [409, "unschedulable", EXIT.unschedulable],
    [409, "idempotency_key_reused", EXIT.error],
    [503, "contention", EXIT.retry],
    [429, undefined, EXIT.retry],
    [403, "not_owner", EXIT.error],
    [404, "placement_not_found", EXIT.error],
    [500, "internal", EXIT.error],
  ])("%i %s: %i", (status, error, code) => {
    expect(new ApiError(status, { error, message: "m" }, null).exitCode).toBe(code);
  });

  it("takes the message of the body, or says the status", () => {
    expect(new ApiError(429, { message: "Too Many Requests" }, null).message).toBe("Too Many Requests");
    expect(new ApiError(502, {}, null).message).toBe("the API answered 502");
  });
});
