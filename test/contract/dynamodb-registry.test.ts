import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { toItem } from "../../shared/adapters/dynamodb/items.js";
import { PAGE_SCANS } from "../../shared/adapters/dynamodb/pages.js";
import { DynamoDbRegistry, SCAN_SEGMENTS } from "../../shared/adapters/dynamodb/registry.js";
import { newHost } from "../../shared/core/host.js";
import { AddrTakenError } from "../../shared/core/registry.js";
import { freshDynamoDbRegistry, PATIENT, racingDynamoDbRegistry } from "../support/dynamodb.js";
import { host, NOW, observed, placement } from "../support/fixtures.js";
import { freshTables } from "../support/tables.js";
import { gpusContract } from "./gpus-contract.js";
import { hostChangesContract } from "./host-changes-contract.js";
import { everyHost, everyPlacement } from "./paging-support.js";
import { racesContract } from "./races-contract.js";
import { registryContract } from "./registry-contract.js";
import { resourcesContract } from "./resources-contract.js";
import { volumesContract } from "./volumes-contract.js";

registryContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry);
hostChangesContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry);
racesContract("DynamoDB (DynamoDB Local)", racingDynamoDbRegistry);

describe("DynamoDB registry: the hosts Scan", () => {
  it("lists every host exactly once when each parallel segment spans several 1 MB pages", async () => {
    const registry = await freshDynamoDbRegistry();
    // Hosts of about 300 KB (a large label): about 2 MB per segment, so every segment pages.
    const count = SCAN_SEGMENTS * 7;
    const bulky = { notes: "x".repeat(300_000) };
    const ids = Array.from({ length: count }, (_, index) => `h${String(index).padStart(3, "0")}`);
    for (const id of ids) await registry.addHost(host(id, 4, 8192, bulky));
    const listed = await registry.listHosts();
    expect(listed.map((one) => one.id).sort()).toEqual(ids);
    expect(listed.every((one) => one.labels.notes?.length === 300_000)).toBe(true);
  }, 60_000);
});

describe("DynamoDB registry: observations, apart from host items", () => {
  it("writes a refresh's observation to its own item, leaving the host's as it was; slices leave it out", async () => {
    const endpoint = inject("dynamodbEndpoint");
    const client = dynamoDbClient(endpoint, PATIENT);
    const tables = await freshTables(endpoint);
    const registry = new DynamoDbRegistry(client, tables);
    const raw = async (table: string) =>
      (
        await client.send(
          new GetItemCommand({ TableName: table, Key: marshall({ id: "h1" }), ConsistentRead: true }),
        )
      ).Item;
    await registry.addHost(host("h1", 4, 8192));
    await registry.changeHost("h1", { observed: true, ...observed(NOW) }, NOW);
    const hostItem = await raw(tables.hosts);
    expect(Object.keys(hostItem ?? {})).not.toContain("engine");
    const later = new Date(NOW.getTime() + 60_000);
    const used = { cpuMilli: 300, memory: 200 };
    await registry.changeHost("h1", { observed: true, ...observed(later, { used }) }, later);
    expect(await raw(tables.hosts)).toEqual(hostItem);
    expect(unmarshall((await raw(tables.observations)) ?? {})).toMatchObject({
      engine: { used },
      health: { lastProbeAt: later.toISOString() },
    });
    expect((await registry.getHost("h1"))?.engine?.used).toEqual(used);
    expect((await registry.pageHosts(10)).hosts[0]?.engine?.used).toEqual(used);
    expect((await registry.sliceHosts(0, 1))[0]).toMatchObject({ engine: null, version: 1 });
    expect(await registry.removeHost("h1", false)).toBe(true);
    expect(await raw(tables.observations)).toBeUndefined();
  });
});

describe("DynamoDB registry: items written by earlier versions", () => {
  it("reads a host item without TLS, health or events as plain, never probed, without events", async () => {
    const endpoint = inject("dynamodbEndpoint");
    const tables = await freshTables(endpoint);
    const { tls: _, health: __, events: ___, ...older } = toItem(host("old", 4, 8192));
    await dynamoDbClient(endpoint, PATIENT).send(
      new PutItemCommand({ TableName: tables.hosts, Item: marshall(older) }),
    );
    const read = await new DynamoDbRegistry(dynamoDbClient(endpoint, PATIENT), tables).getHost("old");
    expect(read).toMatchObject({
      tls: false,
      health: { failures: 0, lastProbeAt: null, lastError: null },
      events: [],
    });
  });
});

describe("DynamoDB registry: hosts registered before addresses were claimed", () => {
  it("removes such a host without freeing the address another host claimed since", async () => {
    const endpoint = inject("dynamodbEndpoint");
    const client = dynamoDbClient(endpoint, PATIENT);
    const tables = await freshTables(endpoint);
    // A registry whose claims go to another table: in `tables`, its hosts have none, as before claims.
    const before = new DynamoDbRegistry(client, {
      ...tables,
      addresses: (await freshTables(endpoint)).addresses,
    });
    const registry = new DynamoDbRegistry(client, tables);
    const at = (id: string, addr = "127.0.1.1:2375") => newHost({ addr, id }, NOW);
    await before.addHost(at("old"));
    await registry.addHost(at("new"));
    expect(await registry.removeHost("old", false)).toBe(true);
    expect(await registry.getHost("old")).toBeUndefined();
    await expect(registry.addHost(at("third"))).rejects.toEqual(new AddrTakenError("127.0.1.1:2375", "new"));
    // A host without a claim, and no other host claiming its address, is removed as well.
    await before.addHost(at("lone", "127.0.1.2:2375"));
    expect(await registry.removeHost("new", false)).toBe(true);
    expect(await registry.removeHost("lone", false)).toBe(true);
    await registry.addHost(at("third"));
  });
});

describe("DynamoDB registry: pages", () => {
  it(`stops a page after ${PAGE_SCANS} Scan pages of 1 MB, shorter than asked, and goes on from there`, async () => {
    const registry = await freshDynamoDbRegistry();
    // 24 hosts of about 300 KB (7 MB): more than one page's read bound, whatever the limit.
    const bulky = { notes: "x".repeat(300_000) };
    const ids = Array.from({ length: 24 }, (_, index) => `bulky${index}`);
    for (const id of ids) await registry.addHost(host(id, 4, 8192, bulky));
    await registry.addHost(host("small", 4, 8192));
    const made = [placement("small", 10, 10), placement("small", 10, 10)];
    for (const one of made) await registry.commit({ placement: one });

    const hostPages = await everyHost(registry, 1000);
    expect(hostPages.flat().sort()).toEqual([...ids, "small"].sort());
    expect(hostPages.length).toBeGreaterThan(1);
    // About 1 MB a Scan call, the item that crosses it included: 4 or so bulky hosts a call.
    expect(Math.max(...hostPages.map((page) => page.length))).toBeLessThanOrEqual(PAGE_SCANS * 5);

    // Pages of hosts without placements may come back empty, with a next that moves on.
    const placementPages = await everyPlacement(registry, 1000);
    expect(placementPages.length).toBeGreaterThan(1);
    expect(
      placementPages
        .flat()
        .map((entry) => entry.placement.id)
        .sort(),
    ).toEqual(made.map((one) => one.id).sort());
  }, 60_000);
});
resourcesContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry);
volumesContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry);
gpusContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry, racingDynamoDbRegistry);
