import { describe, expect, it } from "vitest";
import { MAX_CONTAINER_BYTES, parseContainerRequest, sentContainer } from "../../shared/core/request.js";
import { amounts } from "../../shared/core/resources.js";

const seed = { image: "crosbymichael/redis", cpus: "0.2", memory: 512, type: "service" };

describe("container requests", () => {
  it("parses the seed request into millicores and MiB", () => {
    expect(parseContainerRequest(seed)).toEqual({
      ok: true,
      value: {
        image: "crosbymichael/redis",
        amounts: amounts({ cpu: 200, memory: 512 }),
        type: "service",
        constraints: [],
        labels: {},
      },
    });
  });

  it("parses constraints and labels", () => {
    const parsed = parseContainerRequest({
      ...seed,
      constraints: ["zone==a", "disk != hdd"],
      labels: { app: "web" },
    });
    expect(parsed.ok && parsed.value.constraints).toEqual([
      { key: "zone", operator: "==", value: "a", text: "zone==a" },
      { key: "disk", operator: "!=", value: "hdd", text: "disk!=hdd" },
    ]);
    expect(parsed.ok && parsed.value.labels).toEqual({ app: "web" });
  });

  it("parses distinct_hosts, and echoes it as sent", () => {
    for (const distinct of [true, false]) {
      const body = { ...seed, distinct_hosts: distinct };
      const parsed = parseContainerRequest(body);
      expect(parsed.ok && parsed.value.distinctHosts).toBe(distinct ? true : undefined);
      expect(parsed.ok && sentContainer(body, parsed.value)).toEqual(body);
    }
    const refused = parseContainerRequest({ ...seed, distinct_hosts: "yes" });
    expect(refused.ok ? [] : refused.issues.map((issue) => issue.path)).toEqual(["distinct_hosts"]);
  });

  it("names a constraint's problem with its path", () => {
    const parsed = parseContainerRequest({ ...seed, constraints: ["zone==a", "zone=~(a"] });
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      { path: "constraints.1", message: 'invalid regex "(a": missing closing ): `(a`' },
    ]);
  });

  it("names every problem with its path", () => {
    const parsed = parseContainerRequest({
      image: "Bad Image",
      cpus: "0.0001",
      memory: 1.5,
      type: "quantum",
      extra: 1,
    });
    expect(parsed.ok).toBe(false);
    const paths = parsed.ok ? [] : parsed.issues.map((issue) => issue.path).sort();
    expect(paths).toEqual(["", "cpus", "image", "memory", "type"]);
  });

  it("names the known types when the type is unknown", () => {
    const parsed = parseContainerRequest({ ...seed, type: "quantum" });
    expect(parsed.ok ? "" : parsed.issues[0]?.message).toBe("unknown type; known types: service, batch, gpu");
  });

  it.each([
    [{ ...seed, cpus: 0 }],
    [{ ...seed, cpus: true }],
    [{ ...seed, memory: "512" }],
    [{ ...seed, memory: 0 }],
    [{ ...seed, memory: 2 ** 53 }],
    [{ ...seed, constraints: ["zone=a"] }],
    [{ ...seed, constraints: "zone==a" }],
    [{ ...seed, labels: { __proto__x: "1" } }],
    [{ ...seed, labels: { ok: 5 } }],
    [{ image: "redis", cpus: 1, memory: 1 }],
  ])("refuses %j", (body) => {
    expect(parseContainerRequest(body).ok).toBe(false);
  });

  it(`refuses requests larger than ${MAX_CONTAINER_BYTES} bytes`, () => {
    const labels = Object.fromEntries(
      Array.from({ length: 10 }, (_, index) => [`k${index}`, "v".repeat(250)]),
    );
    const parsed = parseContainerRequest({ ...seed, labels });
    expect(parsed.ok ? "" : parsed.issues[0]?.message).toMatch(/at most 2048 bytes/);
  });

  it("checks the type against the types it is given (the configured ones)", () => {
    expect(parseContainerRequest({ ...seed, type: "gpu-batch" }, ["service", "gpu-batch"]).ok).toBe(true);
    const parsed = parseContainerRequest(seed, ["gpu-batch"]);
    expect(parsed.ok ? [] : parsed.issues).toEqual([
      { path: "type", message: "unknown type; known types: gpu-batch" },
    ]);
  });
});

describe("affinities and spread", () => {
  const body = {
    ...seed,
    affinities: [
      { constraint: "zone == a", weight: 50 },
      { constraint: "tier!=spot", weight: -100 },
    ],
    spread: { label: "zone", targets: { a: 70, b: 30 } },
  };

  it("parses affinities' constraints and keeps spread, echoing both as sent", () => {
    const parsed = parseContainerRequest(body);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.value.affinities).toEqual([
      { constraint: { key: "zone", operator: "==", value: "a", text: "zone==a" }, weight: 50 },
      { constraint: { key: "tier", operator: "!=", value: "spot", text: "tier!=spot" }, weight: -100 },
    ]);
    expect(parsed.value.spread).toEqual(body.spread);
    expect(sentContainer(body, parsed.value)).toEqual(body);
    const even = { ...seed, spread: { label: "rack" } };
    const parsedEven = parseContainerRequest(even);
    expect(parsedEven.ok && sentContainer(even, parsedEven.value)).toEqual(even);
  });

  it.each([
    [{ affinities: [] }, "affinities"],
    [{ affinities: [{ constraint: "zone==a", weight: 0 }] }, "affinities.0.weight"],
    [{ affinities: [{ constraint: "zone==a", weight: 101 }] }, "affinities.0.weight"],
    [{ affinities: [{ constraint: "zone==a", weight: 1.5 }] }, "affinities.0.weight"],
    [{ affinities: [{ constraint: "zone=a", weight: 5 }] }, "affinities.0.constraint"],
    [{ affinities: [{ constraint: "zone==a" }] }, "affinities.0.weight"],
    [{ affinities: [{ constraint: "zone==a", weight: 5, extra: 1 }] }, "affinities.0"],
    [{ affinities: Array.from({ length: 9 }, () => ({ constraint: "a==b", weight: 1 })) }, "affinities"],
    [{ spread: { label: "-zone" } }, "spread.label"],
    [{ spread: { label: "zone", targets: {} } }, "spread.targets"],
    [{ spread: { label: "zone", targets: { a: 60, b: 50 } } }, "spread.targets"],
    [{ spread: { label: "zone", targets: { a: 10.5 } } }, "spread.targets.a"],
    [{ spread: { label: "zone", targets: { a: -1 } } }, "spread.targets.a"],
    [{ spread: "zone" }, "spread"],
  ])("refuses %j, naming %s", (fields, path) => {
    const parsed = parseContainerRequest({ ...seed, ...fields });
    expect(parsed.ok ? [] : parsed.issues.map((issue) => issue.path)).toEqual([path]);
  });
});
