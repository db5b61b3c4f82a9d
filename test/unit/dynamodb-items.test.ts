import { describe, expect, it } from "vitest";
import { toEntry } from "../../shared/adapters/dynamodb/entries.js";
import { entriesOf, toHost, toItem } from "../../shared/adapters/dynamodb/items.js";
import { imageTag } from "../../shared/core/image.js";
import { summaryOf } from "../../shared/core/placement.js";
import { amounts } from "../../shared/core/resources.js";
import { host, NOW, placement } from "../support/fixtures.js";

// A host item's entries: what they keep of a placement, in this version's form and the one before.

const itemWith = (placements: Record<string, string>) => ({ ...toItem(host("h1", 4, 8192)), placements });

describe("a host item's placement entries", () => {
  it("keep sizes in base 36 and the image's tag, and give back the summary they were made from", () => {
    const made = summaryOf(placement("h1", 250, 512, "registry.example.com/team/service:1.2.3"));
    const entry = toEntry(made);
    expect(entry).toBe(`6y:e8${imageTag("registry.example.com/team/service:1.2.3")}`);
    const key = made.id.slice("h1.".length);
    expect(entriesOf(itemWith({ [key]: entry })).map((one) => one.summary)).toEqual([made]);
  });

  it("keep the creation time of an id that does not start with it", () => {
    const made = { ...summaryOf(placement("h1", 1000, 1024)), id: "h1.zzzzzzzzzzzz" };
    const entry = toEntry(made);
    expect(entry.split(":")).toHaveLength(3);
    expect(entriesOf(itemWith({ zzzzzzzzzzzz: entry })).map((one) => one.summary)).toEqual([made]);
  });

  it("read the form of the version before: decimal sizes, the time, the image's name", () => {
    const key = `${NOW.getTime().toString(36)}abcdefg`;
    const before = `250/512/${NOW.getTime().toString(36)}/crosbymichael/redis`;
    expect(entriesOf(itemWith({ [key]: before })).map((one) => one.summary)).toEqual([
      {
        id: `h1.${key}`,
        imageTag: imageTag("crosbymichael/redis"),
        amounts: amounts({ cpu: 250, memory: 512 }),
        createdAt: NOW.toISOString(),
      },
    ]);
  });

  it("keep the other resources' amounts and the host ports after `;`, with or without a creation time", () => {
    const base = placement("h1", 250, 512);
    const ports = [
      { container: 80, host: 8080, protocol: "tcp" as const },
      { container: 53, host: 20000, protocol: "udp" as const },
    ];
    const gpus = { devices: [3, 11], share: 1000 };
    const made = summaryOf({
      ...base,
      amounts: amounts({ cpu: 250, memory: 512, disk: 3600 }),
      ports,
      gpus,
    });
    const entry = toEntry(made);
    expect(entry).toBe(`6y:e8${made.imageTag};d2s0;p68g.28,ffk.1hu;grs.3,b`);
    const key = made.id.slice("h1.".length);
    expect(entriesOf(itemWith({ [key]: entry })).map((one) => one.summary)).toEqual([made]);
    const timed = { ...made, id: "h1.zzzzzzzzzzzz" };
    expect(entriesOf(itemWith({ zzzzzzzzzzzz: toEntry(timed) })).map((one) => one.summary)).toEqual([timed]);
  });

  it("keep the names of the volumes a placement creates after `;v`, after its ports", () => {
    const volumes = [
      { name: "pg.data_1", path: "/data", create: true },
      { name: "shared", path: "/shared", create: false },
      { name: "logs-2", path: "/logs", create: true },
    ];
    const ports = [{ container: 80, host: 8080, protocol: "tcp" as const }];
    const made = summaryOf({ ...placement("h1", 250, 512), ports, volumes });
    const entry = toEntry(made);
    expect(entry).toBe(`6y:e8${made.imageTag};p68g.28;vpg.data_1,logs-2`);
    const key = made.id.slice("h1.".length);
    expect(entriesOf(itemWith({ [key]: entry })).map((one) => one.summary)).toEqual([made]);
    // One that creates none keeps none.
    const mounts = summaryOf({
      ...placement("h1", 250, 512),
      volumes: [{ name: "shared", path: "/shared", create: false }],
    });
    expect(toEntry(mounts)).toBe(`6y:e8${mounts.imageTag}`);
  });

  it("hold a host's volumes as a string set, none when it has none", () => {
    expect(toItem({ ...host("h1", 4, 8192), volumes: ["db", "web"] }).volumes).toEqual(
      new Set(["db", "web"]),
    );
    expect(toItem(host("h2", 4, 8192)).volumes).toBeUndefined();
  });

  it("hold the ports its placements take in the host item's set, which commits check", () => {
    const made = {
      ...placement("h1", 250, 512),
      ports: [{ container: 80, host: 8080, protocol: "tcp" as const }],
    };
    const item = toItem({ ...host("h1", 4, 8192), placements: [summaryOf(made)] });
    expect(item.taken_ports).toEqual(new Set(["8080/tcp"]));
    expect(toItem(host("h2", 4, 8192)).taken_ports).toBeUndefined();
  });

  it("hold each GPU device's reserved share in a map, which commits check per device", () => {
    const shares = (devices: number[], share: number) => ({
      ...placement("h1", 250, 512),
      gpus: { devices, share },
    });
    const gpuHost = { ...host("h1", 4, 8192), gpus: { count: 4, model: "T4" } };
    const placements = [shares([1], 250), shares([1], 500), shares([2, 3], 1000)].map(summaryOf);
    const item = toItem({ ...gpuHost, placements });
    expect(item.gpu_shares).toEqual({ "1": 750, "2": 1000, "3": 1000 });
    expect(toHost(item).gpus).toEqual({ count: 4, model: "T4" });
    // A host with devices and no shares has the map (commits set its devices' shares inside); one without, none.
    expect(toItem(gpuHost).gpu_shares).toEqual({});
    expect(toItem(host("h2", 4, 8192)).gpu_shares).toBeUndefined();
  });
});
