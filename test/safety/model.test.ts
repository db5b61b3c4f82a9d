import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { freshDynamoDbRegistry } from "../support/dynamodb.js";
import { compare, steps } from "./model.js";

// Reduced here; `npm run stress` runs more histories.
const RUNS = 30;

describe("model-based: the DynamoDB registry behaves as the in-memory model", () => {
  it(`${RUNS} random histories of register/place/release/drain/change/delete agree step by step`, async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (history) => {
        const difference = await compare(new MemoryRegistry(), await freshDynamoDbRegistry(), history);
        expect(difference).toBeUndefined();
      }),
      { numRuns: RUNS, seed: 2026 },
    );
  }, 240_000);
});
