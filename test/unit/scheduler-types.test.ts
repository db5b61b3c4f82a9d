import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../shared/adapters/config.js";
import {
  DEFAULT_SCHEDULER_TYPES,
  packs,
  parseSchedulerTypes,
  schedulerTypeJson,
  schedulerTypes,
} from "../../shared/core/schedulers.js";

const gpuBatch = {
  type: "gpu-batch",
  description: "GPU jobs, packed.",
  score: { binpack: 1, "least-allocated": 0.5 },
};

describe("packing types", () => {
  it("are those whose heaviest rule packs: batch and a type weighing binpack most, not service", () => {
    const [service, batch] = DEFAULT_SCHEDULER_TYPES;
    expect([service, batch].map((type) => type && packs(type))).toEqual([false, true]);
    expect(packs({ ...gpuBatch, score: gpuBatch.score })).toBe(true);
    expect(packs({ ...gpuBatch, score: { binpack: 1, "least-allocated": 2 } })).toBe(false);
  });
});

describe("scheduler types from configuration", () => {
  it("reads a JSON list of types, as text or parsed, after the built-in ones", () => {
    const zonal = {
      type: "zonal2",
      description: "Spread over zones by default.",
      score: { replicas: 128, "least-allocated": 1 },
      defaults: { spread: { label: "zone" }, affinities: [{ constraint: "disk == ssd", weight: 20 }] },
    };
    const types = parseSchedulerTypes(JSON.stringify([gpuBatch, zonal]), "CITADEL_SCHEDULER_TYPES");
    expect(types.map((type) => type.type)).toEqual(["gpu-batch", "zonal2"]);
    expect(types[1]?.defaults?.affinities?.[0]?.constraint).toMatchObject({ key: "disk", value: "ssd" });
    expect(schedulerTypes(types).map((type) => type.type)).toEqual([
      "service",
      "batch",
      "gpu",
      "gpu-batch",
      "zonal2",
    ]);
    // As the API lists it and the stack writes it: read back the same.
    const json = types.map(schedulerTypeJson);
    expect(json[1]).toEqual({
      ...zonal,
      defaults: { ...zonal.defaults, affinities: [{ constraint: "disk==ssd", weight: 20 }] },
    });
    expect(parseSchedulerTypes(json, "again")).toEqual(types);
  });

  it.each([
    ["not JSON", "[{", /^CITADEL_SCHEDULER_TYPES is not JSON: /],
    ["not a list", "{}", /^CITADEL_SCHEDULER_TYPES: .*array/],
    [
      "an unknown rule",
      [{ ...gpuBatch, score: { binpak: 1 } }],
      /0\.score\.binpak: unknown rule; rules: in-use, binpack, best-fit, least-allocated, replicas, affinity, spread, gpu-fragmentation, gpu-fragmentation-coarse/,
    ],
    ["a weight of 0", [{ ...gpuBatch, score: { binpack: 0 } }], /0\.score\.binpack: must be > 0/],
    ["a weight that is not a number", [{ ...gpuBatch, score: { binpack: "1" } }], /0\.score\.binpack: /],
    ["a weight too large", [{ ...gpuBatch, score: { binpack: 10_001 } }], /0\.score\.binpack: /],
    ["no rule", [{ ...gpuBatch, score: {} }], /0\.score: name at least one rule/],
    ["a duplicate type", [gpuBatch, gpuBatch], /1\.type: duplicate type "gpu-batch"/],
    ["a built-in type again", [{ ...gpuBatch, type: "service" }], /0\.type: duplicate type "service"/],
    ["an upper-case name", [{ ...gpuBatch, type: "GPU" }], /0\.type: must be 1-32 lowercase letters/],
    ["a name ending with -", [{ ...gpuBatch, type: "gpu-" }], /0\.type: /],
    ["a name too long", [{ ...gpuBatch, type: "g".repeat(33) }], /0\.type: /],
    ["an unknown field", [{ ...gpuBatch, strategy: "binpack" }], /CITADEL_SCHEDULER_TYPES: 0: .*strategy/],
    ["no description", [{ type: "x", score: { binpack: 1 } }], /0\.description: /],
    [
      "a bad default affinity",
      [{ ...gpuBatch, defaults: { affinities: [{ constraint: "zone=a", weight: 5 }] } }],
      /0\.defaults\.affinities\.0\.constraint: /,
    ],
  ])("refuses %s, naming it", (_, value, message) => {
    expect(() => parseSchedulerTypes(value, "CITADEL_SCHEDULER_TYPES")).toThrow(message);
  });

  it("reads CITADEL_SCHEDULER_TYPES into the config, and only the built-in types without it", () => {
    expect(loadConfig({}).schedulers).toEqual(DEFAULT_SCHEDULER_TYPES);
    const config = loadConfig({ CITADEL_SCHEDULER_TYPES: JSON.stringify([gpuBatch]) });
    expect(config.schedulers.map((type) => type.type)).toEqual(["service", "batch", "gpu", "gpu-batch"]);
    expect(() => loadConfig({ CITADEL_SCHEDULER_TYPES: "[1]" })).toThrow(/^CITADEL_SCHEDULER_TYPES: 0: /);
  });

  it("stops `npm start` at once on a malformed list, naming the problem (exit 2, no stack trace)", async () => {
    const env = {
      ...process.env,
      CITADEL_STORE: "memory",
      PORT: "0",
      CITADEL_SCHEDULER_TYPES: '[{"type":"x"}]',
    };
    const started = promisify(execFile)("npx", ["tsx", "shared/local/main.ts"], { env, timeout: 30_000 });
    const failure = await started.then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toBe(
      "CITADEL_SCHEDULER_TYPES: 0.description: Invalid input: expected string, received undefined; 0.score: Invalid input: expected record, received undefined\n",
    );
  });
});
