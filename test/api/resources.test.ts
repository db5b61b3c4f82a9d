import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../shared/local/stack.js";
import { type ApiAnswer, apiCall } from "../support/api-client.js";
import { BOTH_STORES } from "../support/stores.js";

// Disk and host ports through the local API, on both stores: registration, placement, the answers'
// shapes, what does not fit, and the arbiter's promise under 300 simultaneous requests for one port.
describe.each(BOTH_STORES)("resources (%s store)", (_store, start) => {
  let stack: LocalStack;
  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    apiCall(stack.url, method, path, body);
  const place = (fields: Record<string, unknown>) =>
    call("POST", "/v1/placements", {
      image: "example/web:1",
      cpus: "0.01",
      memory: 16,
      type: "service",
      ...fields,
    });

  beforeAll(async () => {
    stack = await start();
    for (const [at, id] of ["port-1", "port-2", "port-3"].entries()) {
      const added = await call("POST", "/v1/hosts", {
        addr: `127.0.3.${at + 1}:2375`,
        id,
        total_cpus: 64,
        total_memory: 65536,
        total_disk: 10240,
        port_range: "30000-30002",
        labels: { pool: "ports" },
      });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ total_disk: 10240, reserved_disk: 0, port_range: "30000-30002" });
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("admits exactly three of 300 simultaneous requests for host port 8080 on three hosts", async () => {
    const answers = await Promise.all(
      Array.from({ length: 300 }, () =>
        place({ ports: [{ container: 80, host: 8080 }], constraints: ["pool==ports"] }),
      ),
    );
    const placed = answers.filter((answer) => answer.status === 201);
    expect(placed).toHaveLength(3);
    expect(new Set(placed.map((answer) => answer.body.resource.id))).toEqual(
      new Set(["port-1", "port-2", "port-3"]),
    );
    expect(placed[0]?.body.placement.ports).toEqual([{ container: 80, host: 8080, protocol: "tcp" }]);
    // The others are told why: the port, by name (a 503 would mean contention, not an answer).
    for (const refused of answers.filter((answer) => answer.status !== 201)) {
      expect(refused.status).toBe(409);
      expect(refused.body.reasons).toMatchObject({ "port 8080/tcp taken": 3 });
    }
    const hosts = await call("GET", "/v1/hosts");
    for (const host of hosts.body.hosts.filter((one: { id: string }) => one.id.startsWith("port-"))) {
      expect(host.taken_ports).toEqual(["8080/tcp"]);
    }
  });

  it("gives dynamic ports from the host's range until it runs out, and names that", async () => {
    const taken: number[] = [];
    for (let at = 0; at < 9; at++) {
      const answer = await place({
        ports: [{ container: 53, protocol: "udp" }],
        constraints: ["pool==ports"],
      });
      expect(answer.status).toBe(201);
      const [mapping] = answer.body.placement.ports;
      expect(mapping).toMatchObject({ container: 53, protocol: "udp" });
      taken.push(mapping.host);
    }
    expect(new Set(taken)).toEqual(new Set([30000, 30001, 30002]));
    const full = await place({ ports: [{ container: 53, protocol: "udp" }], constraints: ["pool==ports"] });
    expect(full.status).toBe(409);
    expect(full.body.reasons).toMatchObject({ "no free dynamic port": 3 });
  });

  it("reserves disk, shows it, and says when it does not fit", async () => {
    const placed = await place({ disk: 6000, constraints: ["pool==ports"] });
    expect(placed.status).toBe(201);
    expect(placed.body.placement).toMatchObject({ disk: 6000 });
    expect(placed.body.container).toMatchObject({ disk: 6000 });
    expect(placed.body.resource).toMatchObject({ total_disk: 10240 });
    const host = await call("GET", `/v1/hosts/${placed.body.resource.id}`);
    expect(host.body).toMatchObject({ reserved_disk: 6000 });
    const tooBig = await place({ disk: 10241, constraints: ["pool==ports"] });
    expect(tooBig.status).toBe(409);
    expect(tooBig.body.reasons).toEqual({ "insufficient disk": 3 });
    const released = await call("DELETE", `/v1/placements/${placed.body.placement.id}`);
    expect(released.status).toBe(204);
    expect((await call("GET", `/v1/hosts/${placed.body.resource.id}`)).body.reserved_disk).toBe(0);
  });

  it("refuses malformed ports, disk and port ranges with a 400 naming them", async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ ports: [{ container: 0 }] }, "ports.0.container"],
      [{ ports: [{ container: 80, host: 70000 }] }, "ports.0.host"],
      [{ ports: [{ container: 80, protocol: "sctp" }] }, "ports.0.protocol"],
      [
        {
          ports: [
            { container: 80, host: 80 },
            { container: 81, host: 80 },
          ],
        },
        "ports",
      ],
      [{ ports: Array.from({ length: 17 }, (_, at) => ({ container: at + 1 })) }, "ports"],
      [{ disk: 0 }, "disk"],
      [{ disk: 1.5 }, "disk"],
    ];
    for (const [fields, path] of bad) {
      const answer = await place(fields);
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.body.details.map((detail: { path: string }) => detail.path)).toContain(path);
    }
    const range = await call("PATCH", "/v1/hosts/port-1", { port_range: "40000-30000" });
    expect(range.status).toBe(400);
    const changed = await call("PATCH", "/v1/hosts/port-1", { port_range: "40000-40010", total_disk: 20480 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ port_range: "40000-40010", total_disk: 20480 });
  });
});
