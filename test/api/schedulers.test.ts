import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSchedulerTypes, schedulerTypes } from "../../shared/core/schedulers.js";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { type ApiAnswer, apiCall } from "../support/api-client.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";

// Scheduler types from configuration, and requests' affinities and spread, over real HTTP against the
// local stack on both stores.
const CONFIGURED = [
  {
    type: "zonal",
    description: "Services spread over zones by default, then over hosts.",
    score: { replicas: 128, "least-allocated": 1 },
    defaults: { spread: { label: "zone" } },
  },
];
const schedulers = schedulerTypes(parseSchedulerTypes(CONFIGURED, "test"));

describe.each(["memory", "dynamodb"] as const)("scheduler types and soft rules (%s store)", (store) => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack =
      store === "memory"
        ? await startLocalStack({ store, port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5, schedulers })
        : await localStackOnFreshTables({ schedulers });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    apiCall(stack.url, method, path, body);

  let next = 1;
  /** Registers hosts of 4 CPUs and 4 GiB in a pool of their own, each with its labels. */
  async function pool(name: string, hosts: Record<string, Record<string, string>>) {
    for (const [id, labels] of Object.entries(hosts)) {
      const answer = await call("POST", "/v1/hosts", {
        addr: `127.0.4.${next++}:2375`,
        id,
        total_cpus: 4,
        total_memory: 4096,
        labels: { pool: name, ...labels },
      });
      expect(answer.status).toBe(201);
    }
  }

  /** Places `count` containers of `image` in `name`'s pool; the host ids, in order. */
  async function place(name: string, count: number, fields: Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (let n = 0; n < count; n++) {
      const answer = await call("POST", "/v1/placements", {
        image: `team/${name}:1`,
        cpus: "0.5",
        memory: 256,
        type: "batch",
        constraints: [`pool==${name}`],
        ...fields,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      ids.push(answer.body.resource.id);
    }
    return ids;
  }

  const zoneOf = (id: string) => id.split("-")[1];
  /** How many of `values` are each value. */
  function count(values: (string | undefined)[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const value of values) counts[`${value}`] = (counts[`${value}`] ?? 0) + 1;
    return counts;
  }

  it("lists the built-in types and the configured one, each with its rules and weights", async () => {
    const answer = await call("GET", "/v1/schedulers");
    expect(answer.status).toBe(200);
    expect(answer.body.schedulers).toEqual([
      { type: "service", description: expect.any(String), score: { replicas: 128, "least-allocated": 1 } },
      {
        type: "batch",
        description: expect.any(String),
        score: { "in-use": 0.03, "gpu-fragmentation": 1, "best-fit": 0.004, "cpu-reserve": 0.5 },
      },
      {
        type: "gpu",
        description: expect.any(String),
        score: { "gpu-fragmentation-coarse": 1, "cpu-reserve": 0.5 },
      },
      CONFIGURED[0],
    ]);
  });

  it("refuses an unknown type, naming the configured ones", async () => {
    const answer = await call("POST", "/v1/placements", {
      image: "a:1",
      cpus: 1,
      memory: 1,
      type: "quantum",
    });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([
      { path: "type", message: "unknown type; known types: service, batch, gpu, zonal" },
    ]);
  });

  it("places by affinity: towards a preferred zone, away from an avoided one, whatever batch's packing prefers", async () => {
    await pool(`aff-${store}`, { [`${store}-a-aff`]: { zone: "a" }, [`${store}-b-aff`]: { zone: "b" } });
    // Batch alone would pack onto the host that already holds a placement, in zone a.
    await place(`aff-${store}`, 1, { constraints: [`pool==aff-${store}`, "zone==a"] });
    const toB = await place(`aff-${store}`, 2, { affinities: [{ constraint: "zone==b", weight: 50 }] });
    expect(toB.map(zoneOf)).toEqual(["b", "b"]);
    const awayFromB = await place(`aff-${store}`, 1, {
      affinities: [{ constraint: "zone==b", weight: -100 }],
      cpus: "0.1",
    });
    expect(awayFromB.map(zoneOf)).toEqual(["a"]);
    // The echo keeps the affinities as sent.
    const answer = await call("POST", "/v1/placements", {
      image: "team/echo:1",
      cpus: "0.1",
      memory: 16,
      type: "batch",
      constraints: [`pool==aff-${store}`],
      affinities: [{ constraint: "zone == b", weight: 7 }],
      spread: { label: "zone", targets: { a: 20 } },
    });
    expect(answer.body.container).toMatchObject({
      affinities: [{ constraint: "zone == b", weight: 7 }],
      spread: { label: "zone", targets: { a: 20 } },
    });
  });

  it("spreads an image's placements over zones: evenly, and towards targets", async () => {
    const name = `spread-${store}`;
    // Three hosts in zone a, one in b: spread by hosts would put 3 in 4 in a; by zone, half.
    await pool(name, {
      [`${store}-a-s1`]: { zone: "a" },
      [`${store}-a-s2`]: { zone: "a" },
      [`${store}-a-s3`]: { zone: "a" },
      [`${store}-b-s1`]: { zone: "b" },
    });
    const even = await place(name, 6, { image: "team/even:1", spread: { label: "zone" } });
    expect(count(even.map(zoneOf))).toEqual({ a: 3, b: 3 });
    const targeted = await place(name, 8, {
      image: "team/skewed:1",
      spread: { label: "zone", targets: { a: 75 } },
    });
    expect(count(targeted.map(zoneOf))).toEqual({ a: 6, b: 2 });
  });

  it("gives a configured type's default spread to its requests", async () => {
    const name = `zonal-${store}`;
    await pool(name, {
      [`${store}-a-z1`]: { zone: "a" },
      [`${store}-a-z2`]: { zone: "a" },
      [`${store}-b-z1`]: { zone: "b" },
    });
    const placed = await place(name, 4, { image: "team/zonal:1", type: "zonal" });
    expect(count(placed.map(zoneOf))).toEqual({ a: 2, b: 2 });
  });
});
