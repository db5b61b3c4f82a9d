import { describe, expect, it } from "vitest";
import { containersSchema, infoSchema, parseAnswer } from "../../shared/adapters/engine-answers.js";
import { budgetOf, earliest, LAMBDA_MARGIN_MS, lambdaTimeLeft } from "../../shared/adapters/system.js";
import { DeadlineError, EngineError, failureOf, MAX_FAILURE_LENGTH } from "../../shared/core/engine.js";

describe("a failure is told in Citadel's words", () => {
  it("keeps an EngineError's reason, says `timeout` for a deadline, and nothing of any other error's text", () => {
    expect(failureOf(new EngineError("http 500"))).toBe("http 500");
    expect(failureOf(new DeadlineError(20))).toBe("timeout");
    expect(failureOf(new Error("(HTTP code 500) server error - s3cr3t"))).toBe("internal error");
    expect(failureOf("s3cr3t")).toBe("internal error");
    expect(new EngineError(`invalid answer: ${"x".repeat(500)}`).message).toHaveLength(MAX_FAILURE_LENGTH);
  });

  it("names the schema's field of an invalid answer, never a key the answer chose", () => {
    const invalid = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as EngineError).reason;
      }
      return "valid";
    };
    const info = { ID: "A:B", ServerVersion: "24.0.7", NCPU: 4, MemTotal: 1024 };
    expect(invalid(() => parseAnswer(infoSchema, info, ""))).toBe("valid");
    expect(invalid(() => parseAnswer(infoSchema, { ...info, NCPU: "lots" }, ""))).toBe(
      "invalid answer: NCPU",
    );
    expect(invalid(() => parseAnswer(infoSchema, "not an object", ""))).toBe("invalid answer: body");
    const listed = [
      { Id: "f".repeat(64), Image: "redis:7", State: "running", Labels: { "s3cr3t-key": { nested: 1 } } },
    ];
    expect(invalid(() => parseAnswer(containersSchema, listed, "containers"))).toBe("valid");
    expect(
      invalid(() => parseAnswer(containersSchema, [{ ...listed[0], State: "s3cr3t" }], "containers")),
    ).toBe("invalid answer: containers[].State");
  });
});

describe("the time a Lambda has left", () => {
  it("is its remaining time less a margin; without a context, the configured budget", () => {
    expect(lambdaTimeLeft({ getRemainingTimeInMillis: () => 10_000 }, 1)()).toBe(10_000 - LAMBDA_MARGIN_MS);
    const budget = lambdaTimeLeft(undefined, 5000)();
    expect(budget).toBeGreaterThan(4000);
    expect(budget).toBeLessThanOrEqual(5000);
  });

  it("is shortened by the budget its caller gives in the event, and only by a sane one", () => {
    expect(budgetOf({ budget_ms: 20_000 })).toBe(20_000);
    for (const event of [
      undefined,
      null,
      {},
      { budget_ms: "20000" },
      { budget_ms: -1 },
      { budget_ms: NaN },
    ]) {
      expect(budgetOf(event)).toBeUndefined();
    }
    expect(
      earliest(
        () => 5,
        () => 9,
      )(),
    ).toBe(5);
    expect(
      earliest(
        () => 9,
        () => 5,
      )(),
    ).toBe(5);
  });
});
