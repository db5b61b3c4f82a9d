import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/adapters/config.js";
import type { LocalStack } from "../../shared/local/stack.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";
import { answers, README } from "../support/readme.js";

// The README's Schedulers session, run as written: the server started with the variable its first block
// sets, the second block's curls against it, the answer its first JSON block shows.
const section = README.slice(README.indexOf("## Schedulers"), README.indexOf("## Docker hosts"));
const [start = "", session = ""] = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
const [schedulersExample = "{}"] = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]);

let stack: LocalStack;
let lines: unknown[] = [];

beforeAll(async () => {
  const variable = /^CITADEL_SCHEDULER_TYPES='(.*)' npm start$/m.exec(start)?.[1];
  expect(variable).toBeDefined();
  stack = await localStackOnFreshTables({
    schedulers: loadConfig({ CITADEL_SCHEDULER_TYPES: variable }).schedulers,
  });
  lines = await answers(session, stack);
});

afterAll(async () => {
  await stack?.stop();
});

const hostOf = (line: unknown) => (line as { resource: { id: string } }).resource.id;

describe("the README's Schedulers session", () => {
  it("lists the types as shown, the configured one included", () => {
    expect(lines[0]).toEqual(JSON.parse(schedulersExample));
    expect(lines).toHaveLength(11);
  });

  it("places the batch job in the zone it prefers", () => {
    expect(lines.slice(1, 4).map((line) => (line as { id: string }).id)).toEqual([
      "zone-a1",
      "zone-a2",
      "zone-b1",
    ]);
    expect(hostOf(lines[4])).toBe("zone-b1");
  });

  it("spreads the replicas evenly over the zones, and the zonal type by default", () => {
    expect(lines.slice(5, 9).map(hostOf).sort()).toEqual(["zone-a1", "zone-a2", "zone-b1", "zone-b1"]);
    const zonal = lines.slice(9, 11).map(hostOf);
    expect(zonal.map((id) => id.slice(0, 6)).sort()).toEqual(["zone-a", "zone-b"]);
  });
});
