import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { entryKey } from "../../shared/adapters/dynamodb/entries.js";
import { toItem, toPlacementItem, type WholeEntry } from "../../shared/adapters/dynamodb/items.js";
import { migrateHosts } from "../../shared/adapters/dynamodb/migrate.js";
import { STRAY_AGE_MS } from "../../shared/adapters/dynamodb/records.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { TableNames } from "../../shared/adapters/dynamodb/tables.js";
import { MAX_PLACEMENTS_PER_HOST } from "../../shared/core/host.js";
import { imageTag } from "../../shared/core/image.js";
import { type Placement, summaryOf } from "../../shared/core/placement.js";
import { PATIENT } from "../support/dynamodb.js";
import { host, NOW, observed, placement } from "../support/fixtures.js";
import { freshTables } from "../support/tables.js";

const execFileAsync = promisify(execFile);

// The placements' records beside their hosts' slim items, on DynamoDB Local: what a commit, a release,
// a removal and the sweep leave in the placements table, how small a full host's item stays, and how
// host items of earlier versions (placements whole inside them) keep working.

async function setUp() {
  const endpoint = inject("dynamodbEndpoint");
  const client = dynamoDbClient(endpoint, PATIENT);
  const tables = await freshTables(endpoint);
  const registry = new DynamoDbRegistry(client, tables);
  /** The ids of a host's records in the placements table. */
  const recordsOf = async (hostId: string) => {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tables.placements,
        KeyConditionExpression: "host_id = :host",
        ExpressionAttributeValues: marshall({ ":host": hostId }),
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => String(unmarshall(item).id)).sort();
  };
  /** A host's item, raw, and its size as DynamoDB counts it (names and values, as JSON approximates). */
  const itemOf = async (hostId: string) => {
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tables.hosts, Key: marshall({ id: hostId }), ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : undefined;
  };
  const put = (table: keyof TableNames, item: object) =>
    client.send(new PutItemCommand({ TableName: tables[table], Item: marshall(item) }));
  const documents = DynamoDBDocumentClient.from(client);
  return { registry, recordsOf, itemOf, put, tables, endpoint, documents };
}

describe("placement records", () => {
  it("a commit writes the placement's record and a short entry on its host; a release deletes both", async () => {
    const { registry, recordsOf, itemOf } = await setUp();
    await registry.addHost(host("h1", 4, 8192));
    const made = { ...placement("h1", 250, 512, "crosbymichael/redis"), owner: "o".repeat(43) };
    expect((await registry.commit({ placement: made })).kind).toBe("committed");
    expect(await recordsOf("h1")).toEqual([made.id]);
    const entries = Object.values((await itemOf("h1"))?.placements ?? {});
    expect(entries).toEqual([`6y:e8${imageTag("crosbymichael/redis")}`]);
    expect(await registry.getPlacement(made.id)).toMatchObject({ placement: made });
    expect(await registry.release(made.id)).toEqual(made);
    expect(await recordsOf("h1")).toEqual([]);
    expect(await registry.getPlacement(made.id)).toBeUndefined();
    expect(await registry.release(made.id)).toBeUndefined();
  });

  it("a commit refused by its host's condition leaves no record behind", async () => {
    const { registry, recordsOf } = await setUp();
    await registry.addHost(host("h1", 1, 1024));
    const fits = placement("h1", 800, 512);
    const tooBig = placement("h1", 800, 512);
    await registry.commit({ placement: fits });
    expect((await registry.commit({ placement: tooBig })).kind).toBe("conflict");
    const elsewhere = placement("ghost", 1, 1);
    expect((await registry.commit({ placement: elsewhere })).kind).toBe("conflict");
    expect(await recordsOf("h1")).toEqual([fits.id]);
    expect(await recordsOf("ghost")).toEqual([]);
  });

  it("a full host's item stays a few KB: a commit's write does not grow with its placements' requests", async () => {
    const { registry, itemOf } = await setUp();
    await registry.addHost(host("h1", 128, 131072, { zone: "a", rack: "r12" }));
    const bulky = { env: "x".repeat(2000) };
    for (let made = 0; made < MAX_PLACEMENTS_PER_HOST; made++) {
      const one = placement("h1", 100, 100, "registry.example.com/team/service:1.2.3");
      expect(
        (await registry.commit({ placement: { ...one, container: { ...one.container, ...bulky } } })).kind,
      ).toBe("committed");
    }
    const item = await itemOf("h1");
    const bytes = Buffer.byteLength(JSON.stringify(item));
    // 128 entries of about 28 bytes (key, sizes, the image's tag) and the host's own fields.
    expect(bytes).toBeLessThan(5_500);
    expect(bytes).toBeGreaterThan(MAX_PLACEMENTS_PER_HOST * 28);
  }, 60_000);

  it("the sweep deletes stray records past their age, never a live placement's, never a young one", async () => {
    const { registry, recordsOf, put } = await setUp();
    await registry.addHost(host("h1", 4, 8192));
    const old = new Date(NOW.getTime() - STRAY_AGE_MS - 1000);
    // The live one is older than the stray age too: its host's entry alone keeps it.
    const live = { ...placement("h1", 100, 100), createdAt: old.toISOString() };
    await registry.commit({ placement: live });
    const stray = { ...placement("h1", 100, 100), createdAt: old.toISOString() };
    const young = { ...placement("h1", 100, 100), createdAt: new Date(NOW.getTime() - 60_000).toISOString() };
    await put("placements", toPlacementItem(stray, old.getTime()));
    await put("placements", toPlacementItem(young, NOW.getTime() - 60_000));
    const current = await registry.getHost("h1");
    if (!current) throw new Error("h1 is gone");
    expect(await registry.sweep(current, NOW)).toBe(1);
    expect(await recordsOf("h1")).toEqual([live.id, young.id].sort());
    expect(await registry.sweep(current, NOW)).toBe(0);
  });

  it("the sweep keeps the record of a commit that landed after the host it was given was read", async () => {
    const { registry, recordsOf } = await setUp();
    await registry.addHost(host("h1", 4, 8192));
    const stale = await registry.getHost("h1");
    if (!stale) throw new Error("h1 is gone");
    // A run-mode replay re-reserves a placement made long ago: its record is put now.
    const replayed = {
      ...placement("h1", 100, 100),
      createdAt: new Date(Date.now() - 3_600_000).toISOString(),
    };
    expect((await registry.commit({ placement: replayed })).kind).toBe("committed");
    expect(await registry.sweep(stale, new Date(Date.now() + STRAY_AGE_MS + 60_000))).toBe(0);
    expect(await recordsOf("h1")).toEqual([replayed.id]);
  });

  it("a forced removal deletes its host's records", async () => {
    const { registry, recordsOf } = await setUp();
    await registry.addHost(host("h1", 4, 8192));
    for (let made = 0; made < 3; made++) await registry.commit({ placement: placement("h1", 100, 100) });
    expect(await recordsOf("h1")).toHaveLength(3);
    expect(await registry.removeHost("h1", true)).toBe(true);
    expect(await recordsOf("h1")).toEqual([]);
  });
});

describe("host items of earlier versions: placements whole in the host's map", () => {
  /** Events as versions before the events table kept them in the host's item. */
  const EARLIER_EVENTS = [
    { at: "2026-11-20T10:00:00.000Z", action: "registered", detail: "added through the API" },
    { at: "2026-11-20T10:01:00.000Z", action: "detected", detail: "Docker 26.1.5: 4 cpus, 8192 MiB" },
  ];

  /**
   * A host item as versions before records wrote it: `placements` whole under their ids, its events, its
   * engine and health.
   */
  function earlierItem(placements: Placement[]) {
    const item = toItem(host("old", 4, 8192));
    const whole = (one: Placement): WholeEntry => ({
      image: one.image,
      cpu: one.amounts.cpu,
      memory: one.amounts.memory,
      scheduler: one.scheduler,
      created_at: one.createdAt,
      container: JSON.stringify(one.container),
      ...(one.owner !== undefined && { owner: one.owner }),
    });
    return {
      ...item,
      free_cpu: 4000 - 300 * placements.length,
      free_memory: 8192 - 256 * placements.length,
      placements: Object.fromEntries(placements.map((one) => [one.id, whole(one)])),
      events: EARLIER_EVENTS,
      ...observed(new Date("2026-11-20T10:01:00.000Z"), {
        id: "OLD:ENGINE",
        used: { cpuMilli: 100, memory: 64 },
      }),
    };
  }

  it("are read, listed, committed beside and released as they are", async () => {
    const { registry, recordsOf, put } = await setUp();
    const first = { ...placement("old", 300, 256), owner: "alice" };
    const second = placement("old", 300, 256);
    await put("hosts", earlierItem([first, second]));
    const read = await registry.getHost("old");
    expect(read?.placements).toEqual(
      [summaryOf(first), summaryOf(second)].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(await registry.getPlacement(first.id)).toMatchObject({ placement: first });
    const listed = await registry.pageHostPlacements("old", 10);
    expect(listed?.placements.map((entry) => entry.placement).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
      [first, second].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    const added = placement("old", 300, 256);
    expect((await registry.commit({ placement: added })).kind).toBe("committed");
    expect((await registry.pagePlacements(10)).placements.map((entry) => entry.placement.id).sort()).toEqual(
      [first.id, second.id, added.id].sort(),
    );
    expect(await registry.release(first.id)).toEqual(first);
    expect(await registry.release(added.id)).toEqual(added);
    const after = await registry.getHost("old");
    expect(after?.placements.map((one) => one.id)).toEqual([second.id]);
    expect([after?.freeCpu, after?.freeMemory]).toEqual([3700, 8192 - 256]);
    expect(await recordsOf("old")).toEqual([]);
  });

  it("`npm run migrate` moves them to records, keeps every count, and finds nothing to move the second time", async () => {
    const { registry, recordsOf, itemOf, put, tables, endpoint } = await setUp();
    const first = { ...placement("old", 300, 256), owner: "alice" };
    const second = placement("old", 300, 256, "registry.example.com/team/app:1.2");
    // And an entry in the short form of the version before, with its record.
    const third = placement("old", 300, 256);
    const earlier = earlierItem([first, second]);
    const created = Date.parse(third.createdAt).toString(36);
    await put("hosts", {
      ...earlier,
      free_cpu: earlier.free_cpu - 300,
      free_memory: earlier.free_memory - 256,
      placements: { ...earlier.placements, [entryKey(third.id)]: `300/256/${created}/${third.image}` },
    });
    await put("placements", toPlacementItem(third, NOW.getTime()));
    const before = await registry.getHost("old");
    expect(before?.engine?.id).toBe("OLD:ENGINE");
    const run = () =>
      execFileAsync("npm", ["run", "--silent", "migrate"], {
        env: {
          ...process.env,
          CITADEL_DYNAMODB_ENDPOINT: endpoint,
          CITADEL_HOSTS_TABLE: tables.hosts,
          CITADEL_PLACEMENTS_TABLE: tables.placements,
          CITADEL_OBSERVATIONS_TABLE: tables.observations,
          CITADEL_EVENTS_TABLE: tables.events,
        },
      });
    expect((await run()).stdout).toBe(
      `1 host(s) read: 2 placement(s) moved to ${tables.placements}, 0 released meanwhile, 2 event(s) moved to ${tables.events}, 1 observation(s) moved to ${tables.observations}, 1 entry(ies) rewritten\n`,
    );
    const migrated = await itemOf("old");
    expect(
      Object.values(migrated?.placements ?? {}).every((entry) => /^[0-9a-z:]+$/.test(String(entry))),
    ).toBe(true);
    expect(await recordsOf("old")).toEqual([first.id, second.id, third.id].sort());
    expect(await registry.getHost("old")).toEqual(before);
    expect([migrated?.events, migrated?.engine, migrated?.health]).toEqual([undefined, undefined, undefined]);
    expect(migrated?.unmanaged).toEqual({ cpuMilli: 0, memory: 0, containers: 0 });
    expect(await registry.getPlacement(second.id)).toMatchObject({ placement: second });
    expect((await run()).stdout).toBe(
      `1 host(s) read: 0 placement(s) moved to ${tables.placements}, 0 released meanwhile, 0 event(s) moved to ${tables.events}, 0 observation(s) moved to ${tables.observations}, 0 entry(ies) rewritten\n`,
    );
    expect(await registry.release(first.id)).toEqual(first);
    expect(await registry.release(third.id)).toEqual(third);
  }, 60_000);

  it("a migration and releases side by side: every release lands, nothing is left", async () => {
    const { registry, recordsOf, put, documents, tables } = await setUp();
    const kept = placement("old", 300, 256);
    const gone = placement("old", 300, 256);
    await put("hosts", earlierItem([kept, gone]));
    const moved = migrateHosts(documents, tables);
    const released = await Promise.all([registry.release(kept.id), registry.release(gone.id)]);
    const report = await moved;
    expect(released).toEqual([kept, gone]);
    expect(report.moved + report.released).toBe(2);
    expect(await recordsOf("old")).toEqual([]);
    const after = await registry.getHost("old");
    expect([after?.placements, after?.freeCpu, after?.freeMemory]).toEqual([[], 4000, 8192]);
  });
});

describe("host events, items of their own", () => {
  it("keeps a host's events out of its item, shows its last ten in order, and deletes them with it", async () => {
    const { registry, itemOf } = await setUp();
    await registry.addHost(host("h1", 4, 8192));
    for (let change = 1; change <= 12; change++) {
      const at = new Date(NOW.getTime() + change * 1000);
      const changed = await registry.changeHost(
        "h1",
        { events: [{ at: at.toISOString(), action: "note", detail: `change ${change}` }] },
        at,
      );
      expect(changed.events.at(-1)?.detail).toBe(`change ${change}`);
    }
    expect((await itemOf("h1"))?.events).toBeUndefined();
    const shown = (await registry.getHost("h1"))?.events.map((event) => event.detail);
    expect(shown).toEqual(Array.from({ length: 10 }, (_, index) => `change ${index + 3}`));
    await registry.removeHost("h1", false);
    await registry.addHost(host("h1", 4, 8192));
    expect((await registry.getHost("h1"))?.events.map((event) => event.action)).toEqual(["registered"]);
  });
});
