import { describe, expect, it } from "vitest";
import { blockAfter, readmeSession } from "../support/readme.js";

// The README's session of named volumes, run as written against the local stack.
const MARKER = "**Volumes.**";
const databaseExample = JSON.parse(blockAfter("its answer shows the volume:", "json"));
const refusedExample = JSON.parse(blockAfter("and the cache:", "json"));

const lines = readmeSession(MARKER);

describe("the README's volumes session", () => {
  it("registers both hosts", () => {
    expect(lines[0]).toMatchObject({ id: "db-1", volumes: [] });
    expect(lines[1]).toMatchObject({ id: "db-2", volumes: [] });
  });

  it("places the database on either host, creating its volume, and its backup on the same host", () => {
    // biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
    const [database, backup] = lines.slice(2, 4) as any[];
    const host = database.resource.id;
    expect(["db-1", "db-2"]).toContain(host);
    expect(database.container).toEqual(databaseExample.container);
    const shownOn = (shown: { id: string }) => shown.id === host;
    expect(database.resource).toEqual(
      shownOn(databaseExample.resource)
        ? databaseExample.resource
        : { ...databaseExample.resource, id: host, addr: "127.0.1.51:2375" },
    );
    expect(database.placement).toMatchObject({ ...databaseExample.placement, host_id: host });
    expect([backup.resource.id, backup.placement.volumes]).toEqual([
      host,
      [{ name: "pgdata", path: "/data", create: false }],
    ]);
  });

  it("says the cache's volume is on no host, as shown", () => {
    expect(lines[4]).toEqual(refusedExample);
    expect(lines).toHaveLength(5);
  });
});
