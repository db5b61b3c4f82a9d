import { describe, expect, it } from "vitest";
import { toItem } from "../../shared/adapters/dynamodb/items.js";
import {
  PAGE_SCANS,
  type ScanHosts,
  scanHostPage,
  scanPlacementPage,
} from "../../shared/adapters/dynamodb/pages.js";
import type { Host } from "../../shared/core/host.js";
import { summaryOf } from "../../shared/core/placement.js";
import { host, placement } from "../support/fixtures.js";

// How a page is cut from Scan calls, on a Scan that behaves as DynamoDB's: Limit counts items read, a
// call also stops at its size bound (`perCall` hosts here, 1 MB there), and it names the last item read
// whenever it stopped before the table's end, or at the end because its Limit or bound was reached. The contract
// suites run the same code on DynamoDB Local; this file drives the cases 1 MB items make slow to build.

/** A Scan over `hosts` in the order given, and the Limit of every call made. */
function scanOf(hosts: Host[], perCall: number): { scan: ScanHosts; limits: number[] } {
  const limits: number[] = [];
  const scan: ScanHosts = async (limit, start) => {
    limits.push(limit);
    expect(limit).toBeGreaterThan(0);
    const from = start === undefined ? 0 : hosts.findIndex((one) => one.id === start) + 1;
    const bound = Math.min(limit, perCall);
    const read = hosts.slice(from, from + bound);
    const stopped = read.length === bound || from + read.length < hosts.length;
    return { items: read.map(toItem), last: stopped ? read.at(-1)?.id : undefined };
  };
  return { scan, limits };
}

/** Hosts as pages give them: without their events. */
const hosts = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    ...host(`h${String(index).padStart(2, "0")}`, 4, 8192),
    events: [],
  }));

/** A host holding `count` placements. */
function busy(id: string, count: number): Host {
  const made = host(id, 4, 8192);
  made.placements = Array.from({ length: count }, () => summaryOf(placement(id, 10, 10)));
  return made;
}

describe("DynamoDB pages: hosts", () => {
  it("asks each call for what the page still lacks and one more, and stops once it has them", async () => {
    const { scan, limits } = scanOf(hosts(20), 3);
    const page = await scanHostPage(scan, 5);
    expect(limits).toEqual([6, 3]);
    expect(page).toEqual({ hosts: hosts(5), next: "h04" });
  });

  it(`stops after ${PAGE_SCANS} calls, shorter than asked, and goes on after the last host read`, async () => {
    const { scan, limits } = scanOf(hosts(20), 1);
    const page = await scanHostPage(scan, 10);
    expect(limits).toEqual([11, 10, 9, 8]);
    expect(page.hosts.map((one) => one.id)).toEqual(["h00", "h01", "h02", "h03"]);
    expect(page.next).toBe("h03");
    expect((await scanHostPage(scan, 10, page.next)).hosts[0]?.id).toBe("h04");
  });

  it("gives the last page no next, even when the Scan could not tell it had reached the end", async () => {
    // 4 hosts, 2 a call: the second call stops at its bound with the table read, so a third is needed.
    const { scan, limits } = scanOf(hosts(4), 2);
    expect(await scanHostPage(scan, 4)).toEqual({ hosts: hosts(4), next: undefined });
    expect(limits).toEqual([5, 3, 1]);
  });

  it("gives a page that reaches the read bound with exactly `limit` hosts a next", async () => {
    const { scan } = scanOf(hosts(10), 1);
    expect((await scanHostPage(scan, PAGE_SCANS)).next).toBe(`h0${PAGE_SCANS - 1}`);
  });
});

describe("DynamoDB pages: placements", () => {
  it("asks each call for as many hosts as placements are still wanted", async () => {
    const { scan, limits } = scanOf([busy("a", 2), busy("b", 0), busy("c", 3), busy("d", 1)], 1);
    const page = await scanPlacementPage(scan, async () => undefined, 4);
    expect(limits).toEqual([5, 3, 3]);
    expect(page.placements.map((one) => one.host.id)).toEqual(["a", "a", "c", "c"]);
    expect(page.next).toBe(page.placements[3]?.placement.id);
  });

  it(`stops after ${PAGE_SCANS} calls and goes on after the last host read`, async () => {
    const empty = Array.from({ length: 8 }, (_, index) => busy(`e${index}`, 0));
    const { scan, limits } = scanOf(empty, 1);
    expect(await scanPlacementPage(scan, async () => undefined, 10)).toEqual({ placements: [], next: "e3" });
    expect(limits).toEqual([11, 11, 11, 11]);
  });

  it("resumes inside a host without a Scan when the rest of that host fills the page", async () => {
    const full = busy("a", 6);
    const { scan, limits } = scanOf([full], 1);
    const first = full.placements.map((one) => one.id).sort()[0] ?? "";
    const page = await scanPlacementPage(scan, async () => toItem(full), 3, first);
    expect(limits).toEqual([]);
    expect(page.placements).toHaveLength(3);
    expect(page.next).toBe(page.placements[2]?.placement.id);
  });
});
