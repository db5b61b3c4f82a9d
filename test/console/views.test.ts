import { once } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { buildConsole } from "../../shared/local/console-files.js";
import { startLocalStack } from "../../shared/local/stack.js";
import { screenshot } from "./browser.js";
import { consoleSession, focused, HOSTS, place, shows, visit } from "./session.js";
import { api } from "./stack.js";

// What the console shows, in a real Chromium against the stack `npm start` runs (DynamoDB Local).
const session = consoleSession();

describe("npm start's server", () => {
  it("serves the console at / beside the API, which answers as before", async () => {
    const index = await fetch(`${session.stack.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'none'; script-src 'self'");
    expect(await index.text()).toContain('<script type="module" src="/console.js"></script>');
    const script = await fetch(`${session.stack.url}/console.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    // Everything is bundled: no import of anything, from anywhere.
    expect(await script.text()).not.toMatch(/\bimport\s*[("'{*]|https?:\/\//);
    expect(await (await fetch(`${session.stack.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await api(session.stack, "GET", "/v1/cluster")).body).toMatchObject({ hosts: { total: 4 } });
    expect(await api(session.stack, "POST", "/")).toMatchObject({
      status: 404,
      body: { error: "not_found" },
    });
    expect(await api(session.stack, "GET", "/console")).toMatchObject({
      status: 404,
      body: { error: "not_found" },
    });
  });
});

describe("the cluster", () => {
  it("shows every registered host as a tile coloured by how full it is, with its status and why", async () => {
    await visit(session, "#/", "Cluster");
    for (const host of HOSTS) await shows(session, `[data-host="${host.id}"]`, host.addr);
    const bands = await session.page
      .locator(".tile")
      .evaluateAll((tiles) =>
        tiles.map((tile) => `${tile.getAttribute("data-host")} ${tile.getAttribute("class")}`),
      );
    expect(bands).toEqual([
      "docker-1 tile fill-low status-ready",
      "docker-2 tile fill-high status-ready",
      "docker-3 tile fill-mid status-ready",
      "spare tile fill-low status-ready",
    ]);
    expect(await session.page.textContent('[data-host="docker-2"] .status')).toBe("ready: registered");
    await shows(session, '[data-host="docker-2"]', "90% full");
    await shows(session, '[data-host="docker-3"]', "62.5% full");
    await shows(session, "#cluster-summary", "Hosts4: 4 ready, 0 draining, 0 down");
    // Capacity against reserved against live use, per resource (no engine has reported use here).
    const cpus = await session.page
      .locator("#cluster-resources tbody tr")
      .first()
      .locator("td")
      .allTextContents();
    expect(cpus.map((cell) => cell.trim())).toEqual(["cpus", "15", "6.8 of 15 (45.3%)", "0 of 15 (0%)"]);
    await shows(session, "#cluster-resources", "as 0 of 4 hosts' engines last reported it");
    await screenshot(session.page, "cluster");
  });
});

describe("a host", () => {
  it("whose engine does not answer shows as down, with why (a refresh on the memory store)", async () => {
    const closed = createServer().listen(0, "127.0.0.1");
    await once(closed, "listening");
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const stack = await startLocalStack({
      store: "memory",
      port: 0,
      snapshotMaxAgeMs: 2000,
      maxAttempts: 5,
      refresh: { downAfter: 1, graceMs: 300_000, timeoutMs: 2000, concurrency: 4 },
      console: await buildConsole(),
    });
    try {
      const host = { addr: `127.0.0.1:${port}`, id: "gone", total_cpus: 1, total_memory: 512 };
      expect((await api(stack, "POST", "/v1/hosts", host)).status).toBe(201);
      await stack.refresh();
      const { body } = await api(stack, "GET", "/v1/hosts/gone");
      expect(body).toMatchObject({
        status: "down",
        status_reason: "no answer from its Docker engine in 1 probes: refused",
      });
      await session.page.goto(`${stack.url}/#/`);
      await shows(
        session,
        '[data-host="gone"] .status',
        "down: no answer from its Docker engine in 1 probes: refused",
      );
      expect(await session.page.getAttribute('[data-host="gone"]', "class")).toBe(
        "tile fill-low status-down",
      );
      await shows(session, "#cluster-summary", "1: 0 ready, 0 draining, 1 down");
    } finally {
      await stack.stop();
    }
  });

  it("is drained and undrained with its button, and shows as draining in the cluster", async () => {
    await visit(session, "#/hosts/spare", "Host spare");
    await shows(session, "#host-details", "ready: registered");
    await session.page.click("button:text-is('Drain')");
    await shows(session, "#announcer", "Host spare is draining.");
    await shows(session, "#host-details", "draining: set by the API");
    await shows(session, "#host-events", "draining");
    expect(await api(session.stack, "GET", "/v1/hosts/spare")).toMatchObject({
      body: { status: "draining" },
    });
    // The same button, now Undrain, kept the focus.
    await session.page.locator("button:text-is('Undrain')").waitFor();
    expect(await focused(session)).toBe("BUTTON: Undrain");
    await session.page.click('nav a[href="#/"]');
    await shows(session, '[data-host="spare"] .status', "draining: set by the API");
    expect(await session.page.getAttribute('[data-host="spare"]', "class")).toContain("status-draining");
    await screenshot(session.page, "draining");
    await visit(session, "#/hosts/spare", "Host spare");
    await session.page.click("button:text-is('Undrain')");
    await shows(session, "#announcer", "Host spare is ready again.");
    expect(await api(session.stack, "GET", "/v1/hosts/spare")).toMatchObject({ body: { status: "ready" } });
  });

  it("shows its placements, engine, health and labels", async () => {
    await visit(session, "#/hosts/docker-2", "Host docker-2");
    await shows(session, "#host-details", "1.8 of 2 (90%); declared 2");
    await shows(session, "#host-details", "zone=b");
    await shows(session, "#host-details", "not reached yet");
    await shows(session, "#host-details", "0 failed probes in a row; last probe never");
    await shows(session, "#host-placements", "team/report:1");
    await shows(session, "#host-events", "added through the API");
  });
});

describe("placements", () => {
  it("are released from the list, the focus kept in it", async () => {
    const id = await place(session, { image: "team/gone:1", cpus: "0.1", memory: 64, type: "service" });
    await visit(session, "#/placements", "Placements");
    await shows(session, "#placements-list", id);
    await session.page.focus(`button[aria-label="Release ${id}"]`);
    await session.page.keyboard.press("Enter");
    await shows(session, "#announcer", `Released placement ${id}.`);
    await session.page.locator(`button[aria-label="Release ${id}"]`).waitFor({ state: "detached" });
    expect(await api(session.stack, "GET", `/v1/placements/${id}`)).toMatchObject({ status: 404 });
    // Its row is gone: the focus went to the list rather than to nowhere.
    expect(await focused(session)).toBe("placements-list");
  });

  it("come a page at a time, filtered by image and by host", async () => {
    const made: string[] = [];
    for (let n = 0; n < 30; n++) {
      made.push(
        await place(session, {
          image: "team/paged:2",
          cpus: "0.01",
          memory: 1,
          type: "batch",
          constraints: ["zone==a"],
        }),
      );
    }
    await visit(session, "#/placements", "Placements");
    await session.page.fill("#filter-image", "paged");
    await session.page.click('form.filters button[type="submit"]');
    await shows(session, "#placements-list caption", 'Page 1: 25 placements of images containing "paged"');
    const ids = async () => session.page.locator("#placements-list tbody code").allTextContents();
    const first = await ids();
    await session.page.click("button:text-is('Next page')");
    await shows(session, "#placements-list caption", 'Page 2: 5 placements of images containing "paged"');
    expect(
      (await session.page.locator("button:text-is('Next page')").getAttribute("aria-disabled")) === "true",
    ).toBe(true);
    expect([...first, ...(await ids())].sort()).toEqual(made.sort());
    await session.page.click("button:text-is('Previous page')");
    await shows(session, "#placements-list caption", 'Page 1: 25 placements of images containing "paged"');
    expect(await ids()).toEqual(first);
    await session.page.fill("#filter-image", "");
    await session.page.fill("#filter-host", "docker-2");
    await session.page.click('form.filters button[type="submit"]');
    await shows(session, "#placements-list caption", "Page 1: 1 placement on docker-2");
    await shows(session, "#placements-list", "team/report:1");
    await session.page.fill("#filter-host", "nowhere");
    await session.page.click('form.filters button[type="submit"]');
    await shows(session, "#placements-list", 'no host "nowhere" is registered');
  });

  it("refresh themselves every few seconds, keeping what is typed and the focus", async () => {
    await visit(session, "#/placements", "Placements");
    // One host's placements, a page of them: where the new one will show.
    await session.page.fill("#filter-host", "docker-2");
    await session.page.click('form.filters button[type="submit"]');
    await shows(session, "#placements-list caption", "on docker-2");
    await session.page.click("#filter-image");
    await session.page.keyboard.type("team/");
    const late = { image: "team/late:1", cpus: "0.1", memory: 64, type: "service", constraints: ["zone==b"] };
    const id = await place(session, late);
    // No reload, no click: the view reads the API again by itself.
    await shows(session, "#placements-list", id, 12_000);
    expect(await session.page.inputValue("#filter-image")).toBe("team/");
    expect(await focused(session)).toBe("filter-image");
  });
});

describe("image profiles", () => {
  it("show what was requested against what was observed, with a right-sizing suggestion", async () => {
    await visit(session, `#/images/${encodeURIComponent("team/web:1")}`, "Image profiles");
    await shows(session, "#image-profile caption", "team/web:1: 6 samples");
    const cells = await session.page.locator("#image-profile tbody td").allTextContents();
    expect(cells).toEqual([
      "cpus",
      "1",
      "0.2",
      "0.2",
      "0.2",
      "oversized",
      "Lower the request to about 0.25 cpus: most of it is unused.",
      "memory (MiB)",
      "512",
      "100",
      "100",
      "100",
      "oversized",
      "Lower the request to about 125 MiB: most of it is unused.",
    ]);
    await shows(session, "#images-running a", "team/report:1");
    await screenshot(session.page, "profile");
    await session.page.fill("#profile-image", "never/seen:1");
    await session.page.keyboard.press("Enter");
    await shows(session, "#image-profile", "no container of never/seen:1 has been observed running yet");
    expect(session.page.url()).toContain(`#/images/${encodeURIComponent("never/seen:1")}`);
    expect(await focused(session)).toBe("profile-image");
  });
});
