import { describe, expect, it } from "vitest";
import { guarded } from "../../shared/adapters/dynamodb/errors.js";
import { RegistryUnavailableError } from "../../shared/core/registry.js";

/** What `guarded` makes of a call that fails with `failure`. */
async function guardedFailure(failure: unknown): Promise<unknown> {
  return guarded(Promise.reject(failure)).then(
    () => expect.unreachable("the call failed"),
    (error: unknown) => error,
  );
}

const failure = (fields: { name?: string; code?: string; $fault?: string }) =>
  Object.assign(Object.create(null), fields);

describe("DynamoDB failures as the registry's", () => {
  it.each([
    [
      "throttling: the write did not land",
      { name: "ThrottlingException", $fault: "client" },
      false,
      "ThrottlingException",
    ],
    ["a timeout, named by the SDK", { name: "TimeoutError" }, true, "TimeoutError"],
    ["a dropped connection, named by its code", { name: "Error", code: "ECONNRESET" }, true, "ECONNRESET"],
    ["a 5xx, named", { name: "InternalServerError", $fault: "server" }, true, "InternalServerError"],
    ["a 5xx without a name", { $fault: "server" }, true, "5xx"],
  ])("%s", async (_, fields, unknownOutcome, reason) => {
    const error = await guardedFailure(failure(fields));
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ unknownOutcome, reason });
  });

  it("passes other failures unchanged: a condition is an answer, the rest are bugs", async () => {
    const denied = failure({ name: "AccessDeniedException", $fault: "client" });
    expect(await guardedFailure(denied)).toBe(denied);
  });
});
