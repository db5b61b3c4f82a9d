import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../shared/local/stack.js";
import { type ApiAnswer, apiCall } from "../support/api-client.js";
import { BOTH_STORES } from "../support/stores.js";

// GPUs through the local API, on both stores: hosts declare devices, requests ask whole devices or a
// share of one, the answers name the devices, and no device's shares ever pass one whole.
describe.each(BOTH_STORES)("GPUs (%s store)", (_store, start) => {
  let stack: LocalStack;
  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    apiCall(stack.url, method, path, body);
  const place = (fields: Record<string, unknown>) =>
    call("POST", "/v1/placements", {
      image: "example/train:1",
      cpus: "0.1",
      memory: 64,
      type: "batch",
      constraints: ["pool==gpu"],
      ...fields,
    });
  const host = async (id: string) => (await call("GET", `/v1/hosts/${id}`)).body;

  beforeAll(async () => {
    stack = await start();
    const added = await call("POST", "/v1/hosts", {
      addr: "127.0.4.1:2375",
      id: "gpu-1",
      total_cpus: 64,
      total_memory: 262144,
      gpus: { count: 2, model: "V100M32" },
      labels: { pool: "gpu" },
    });
    expect(added.status).toBe(201);
    expect(added.body.gpus).toEqual({ count: 2, model: "V100M32", shares: [0, 0] });
    const plain = await call("POST", "/v1/hosts", {
      addr: "127.0.4.2:2375",
      id: "cpu-1",
      total_cpus: 64,
      total_memory: 262144,
      labels: { pool: "gpu" },
    });
    expect(plain.body.gpus).toBeNull();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("packs shares on one device, gives whole devices from the free ones, and names what is short", async () => {
    const first = await place({ gpus: 0.5 });
    expect(first.status).toBe(201);
    expect(first.body.resource.id).toBe("gpu-1");
    expect(first.body.placement.gpus).toEqual({ devices: ["0"], share: 0.5 });
    expect(first.body.container).toMatchObject({ gpus: 0.5 });
    const second = await place({ gpus: 0.3 });
    expect(second.body.placement.gpus).toEqual({ devices: ["0"], share: 0.3 });
    const whole = await place({ gpus: 1, gpu_models: ["V100M32", "A100"] });
    expect(whole.body.placement.gpus).toEqual({ devices: ["1"] });
    expect((await host("gpu-1")).gpus.shares).toEqual([0.8, 1]);
    // No free device is left: the host without GPUs and this one are each named for why.
    const none = await place({ gpus: 1 });
    expect(none.status).toBe(409);
    expect(none.body.reasons).toEqual({ "insufficient gpus": 1, "no GPUs": 1 });
    const over = await place({ gpus: 0.25 });
    expect(over.status).toBe(409);
    expect((await place({ gpus: 0.2 })).body.placement.gpus).toEqual({ devices: ["0"], share: 0.2 });
    // Released, a share is free again.
    expect((await call("DELETE", `/v1/placements/${second.body.placement.id}`)).status).toBe(204);
    expect((await host("gpu-1")).gpus.shares).toEqual([0.7, 1]);
    const cluster = await call("GET", "/v1/cluster");
    expect(cluster.body).toMatchObject({ total_gpus: 2, reserved_gpus: 1.7 });
  });

  it("places only on the models asked for, and says so", async () => {
    const answer = await place({ gpus: 0.1, gpu_models: ["A100"] });
    expect(answer.status).toBe(409);
    expect(answer.body.reasons).toEqual({ "GPU model not in gpu_models": 1, "no GPUs": 1 });
    const candidates = await call("POST", "/v1/candidates", {
      image: "example/train:1",
      cpus: "0.1",
      memory: 64,
      type: "gpu",
      gpus: 0.1,
      constraints: ["pool==gpu"],
    });
    expect(candidates.status).toBe(200);
    expect(candidates.body.candidates.map((one: { host: { id: string } }) => one.host.id)).toEqual(["gpu-1"]);
    expect(candidates.body.infeasible).toEqual({ "no GPUs": 1 });
  });

  it("changes a host's devices, but not below a device in use", async () => {
    const dropped = await call("PATCH", "/v1/hosts/gpu-1", { gpus: { count: 1, model: "V100M32" } });
    expect(dropped.status).toBe(409);
    const grown = await call("PATCH", "/v1/hosts/gpu-1", { gpus: { count: 4, model: "V100M32" } });
    expect(grown.status).toBe(200);
    expect(grown.body.gpus.shares).toEqual([0.7, 1, 0, 0]);
    expect((await place({ gpus: 2 })).body.placement.gpus).toEqual({ devices: ["2", "3"] });
  });

  it.each([
    [{ gpus: 1.5 }, "gpus"],
    [{ gpus: 0 }, "gpus"],
    [{ gpus: 17 }, "gpus"],
    [{ gpu_models: ["V100M32"] }, "gpu_models"],
  ])("answers 400 to %j, naming %s, and reserves nothing", async (fields, path) => {
    const before = (await call("GET", "/v1/cluster")).body;
    const answer = await place(fields);
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((detail: { path: string }) => detail.path)).toContain(path);
    expect((await call("GET", "/v1/cluster")).body).toEqual(before);
  });

  it.each([
    [{ gpus: { count: 0, model: "T4" } }, "gpus.count"],
    [{ gpus: { count: 2 } }, "gpus.model"],
    [{ gpus: { count: 2, model: "T4 16GB" } }, "gpus.model"],
  ])("refuses a host's devices %j with a 400 naming %s", async (fields, path) => {
    const answer = await call("POST", "/v1/hosts", { addr: "127.0.4.9:2375", ...fields });
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((detail: { path: string }) => detail.path)).toContain(path);
  });
});
