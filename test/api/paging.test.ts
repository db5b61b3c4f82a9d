import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PAGE_BYTES, MAX_PAGE_LIMIT } from "../../functions/api/paging.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { MAX_LABELS } from "../../shared/core/labels.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import type { LocalStack } from "../../shared/local/stack.js";
import { apiEvent } from "../support/api-event.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";
import { host, noEngines, placement } from "../support/fixtures.js";

// Listings in pages over real HTTP against the local stack (DynamoDB Local): `limit`, `next`, and
// cursors that are not ours.
let stack: LocalStack;
const HOSTS = ["pa", "pb", "pc", "pd", "pe", "pf", "pg"];
/** Placements on each host: some hosts hold none, one holds more than a page. */
const PER_HOST = [5, 0, 3, 1, 0, 2, 1];
const made = new Map<string, string[]>();

beforeAll(async () => {
  stack = await localStackOnFreshTables();
  for (const [index, id] of HOSTS.entries()) {
    await stack.registry.addHost(host(id, 4, 8192));
    made.set(id, []);
    for (let count = 0; count < (PER_HOST[index] ?? 0); count++) {
      const one = placement(id, 10, 10);
      await stack.registry.commit({ placement: one });
      made.get(id)?.push(one.id);
    }
  }
});

afterAll(async () => {
  await stack?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.url}${path}`);
  return { status: response.status, body: await response.json() };
}

/** Follows `next` from `path` to the last page; every page must be a 200 of at most `limit` items. */
async function pages(path: string, key: "hosts" | "placements", limit: number) {
  const all: unknown[][] = [];
  let next: string | null = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const cursor: string = next === null ? "" : `&next=${next}`;
    const answer = await get(`${path}${separator}limit=${limit}${cursor}`);
    expect(answer.status).toBe(200);
    expect(answer.body[key].length).toBeLessThanOrEqual(limit);
    all.push(answer.body[key]);
    next = answer.body.next;
    expect(all.length).toBeLessThan(100);
  } while (next !== null);
  return all;
}

const placementIds = (page: unknown[]) =>
  page.map((entry) => (entry as { placement: { id: string } }).placement.id);

describe("paged listings", () => {
  it("pages through GET /v1/hosts: every host once, the last page with next null", async () => {
    for (const limit of [1, 3, 7]) {
      const all = await pages("/v1/hosts", "hosts", limit);
      const ids = all.flat().map((one) => (one as { id: string }).id);
      expect(ids.sort(), `limit ${limit}`).toEqual([...HOSTS].sort());
      expect(all.length).toBe(Math.ceil(HOSTS.length / limit));
    }
    const whole = await get("/v1/hosts");
    expect([whole.body.hosts.length, whole.body.next]).toEqual([HOSTS.length, null]);
  });

  it("pages through GET /v1/placements across hosts and inside one", async () => {
    const expected = [...made.values()].flat().sort();
    for (const limit of [1, 2, 4, 5, 100]) {
      const all = await pages("/v1/placements", "placements", limit);
      expect(all.flatMap(placementIds).sort(), `limit ${limit}`).toEqual(expected);
      expect(all.length).toBe(Math.ceil(expected.length / limit));
    }
    const [first] = (await get("/v1/placements?limit=1")).body.placements;
    expect(Object.keys(first).sort()).toEqual(["container", "placement", "resource"]);
  });

  it("pages through GET /v1/placements?host=, by placement id", async () => {
    const all = await pages("/v1/placements?host=pa", "placements", 2);
    expect(all.map(placementIds)).toEqual([
      [...(made.get("pa") ?? [])].sort().slice(0, 2),
      [...(made.get("pa") ?? [])].sort().slice(2, 4),
      [...(made.get("pa") ?? [])].sort().slice(4),
    ]);
    expect(await pages("/v1/placements?host=pb", "placements", 10)).toEqual([[]]);
    expect((await get("/v1/placements?host=ghost&limit=2")).status).toBe(404);
  });

  it(`refuses a limit that is not an integer from 1 to ${MAX_PAGE_LIMIT} (400)`, async () => {
    for (const limit of ["0", "-1", "1001", "1.5", "abc", "", "01", "1e3", "10000", " 5"]) {
      for (const path of ["/v1/hosts", "/v1/placements", "/v1/placements?host=pa"]) {
        const separator = path.includes("?") ? "&" : "?";
        const answer = await get(`${path}${separator}limit=${encodeURIComponent(limit)}`);
        expect(answer.status, `${path} limit=${limit}`).toBe(400);
        expect(answer.body.details).toEqual([
          { path: "limit", message: "must be an integer from 1 to 1000" },
        ]);
      }
    }
    expect((await get(`/v1/hosts?limit=${MAX_PAGE_LIMIT}`)).status).toBe(200);
  });

  it("refuses forged cursors with 400 invalid_cursor", async () => {
    const encode = (text: string) => Buffer.from(text).toString("base64url");
    const placementOfPa = made.get("pa")?.[0] ?? "";
    const forged: [path: string, next: string][] = [
      ["/v1/hosts", "!!!"],
      ["/v1/hosts", "abc="],
      ["/v1/hosts", "abd"],
      ["/v1/hosts", encode("not json")],
      ["/v1/hosts", encode("[]")],
      ["/v1/hosts", encode("{}")],
      ["/v1/hosts", encode('"pa"')],
      ["/v1/hosts", encode('{"hosts_after":5}')],
      ["/v1/hosts", encode('{"hosts_after":"pa","x":1}')],
      ["/v1/hosts", encode('{"__proto__":"pa"}')],
      ["/v1/hosts", encode('{"hosts_after":"bad id!"}')],
      ["/v1/hosts", encode(`{"hosts_after":"${"a".repeat(64)}"}`)],
      ["/v1/hosts", encode(JSON.stringify({ placements_after: "pa" }))],
      ["/v1/hosts", "A".repeat(2000)],
      ["/v1/placements", encode(JSON.stringify({ hosts_after: "pa" }))],
      ["/v1/placements", encode(JSON.stringify({ placements_after: "pa.UPPER" }))],
      ["/v1/placements", encode(JSON.stringify({ placements_after: "../x" }))],
      // Another host's placement, or a bare host id, is no position in one host's listing.
      ["/v1/placements?host=pc", encode(JSON.stringify({ placements_after: placementOfPa }))],
      ["/v1/placements?host=pa", encode(JSON.stringify({ placements_after: "pa" }))],
    ];
    for (const [path, next] of forged) {
      const separator = path.includes("?") ? "&" : "?";
      const answer = await get(`${path}${separator}next=${encodeURIComponent(next)}`);
      expect(answer.status, `${path} ${next}`).toBe(400);
      expect(answer.body.error).toBe("invalid_cursor");
    }
    // The same position, from a cursor Citadel gave out, is fine.
    const next = (await get("/v1/placements?host=pa&limit=1")).body.next;
    expect((await get(`/v1/placements?host=pa&limit=1&next=${next}`)).status).toBe(200);
  });
});

describe("a page too large for Lambda's answer", () => {
  it(`is cut at ${MAX_PAGE_BYTES} bytes, and next goes on from the last host it shows`, async () => {
    const registry = new MemoryRegistry();
    // The largest host view: as many labels as allowed, of the longest keys and 3-byte characters.
    const labels = Object.fromEntries(
      Array.from({ length: MAX_LABELS }, (_, index) => [
        `k${String(index).padStart(2, "0")}${"x".repeat(60)}`,
        "€".repeat(255),
      ]),
    );
    const count = 400;
    for (let index = 0; index < count; index++) await registry.addHost(host(`big${index}`, 4, 8192, labels));
    const { api } = inProcessApi(registry, { snapshotMaxAgeMs: 0, maxAttempts: 5, engines: noEngines });
    const seen: string[] = [];
    let next: string | undefined;
    let largest = 0;
    for (let page = 0; page < 10; page++) {
      const query: Record<string, string> = { limit: "1000", ...(next && { next }) };
      const answer = await api(apiEvent("GET", "/v1/hosts", { query }));
      const body = answer.body ?? "";
      largest = Math.max(largest, Buffer.byteLength(JSON.stringify(answer)));
      const parsed = JSON.parse(body);
      seen.push(...parsed.hosts.map((one: { id: string }) => one.id));
      next = parsed.next ?? undefined;
      if (!next) break;
    }
    expect(seen.sort()).toEqual(Array.from({ length: count }, (_, index) => `big${index}`).sort());
    // The function's whole answer, body escaped inside it, stays under Lambda's 6 MB.
    expect(largest).toBeLessThan(6 * 1024 * 1024);
    expect(largest).toBeGreaterThan(MAX_PAGE_BYTES);
  }, 30_000);
});
