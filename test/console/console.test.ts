import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProfileStore } from "../../shared/core/profile.js";
import { consoleSize } from "../../shared/local/console-files.js";
import type { LocalStack } from "../../shared/local/stack.js";
import { launchChromium, openPage, screenshot, seriousViolations } from "./browser.js";
import { api, consoleStack } from "./stack.js";

// The console in a real Chromium, against the stack `npm start` runs (DynamoDB Local), the hosts
// registered and the placements made through the API as a script would.
let stack: LocalStack;
let profiles: ProfileStore;
let browser: Browser;
let page: Page;
let errors: string[];

const HOSTS = [
  { addr: "10.0.0.11:2375", id: "docker-1", total_cpus: 4, total_memory: 8192, labels: { zone: "a" } },
  { addr: "10.0.0.12:2375", id: "docker-2", total_cpus: 2, total_memory: 4096, labels: { zone: "b" } },
  { addr: "10.0.0.13:2375", id: "docker-3", total_cpus: 8, total_memory: 16384, labels: { zone: "a" } },
  { addr: "10.0.0.14:2375", id: "spare", total_cpus: 1, total_memory: 1024, labels: { zone: "c" } },
];

/** Places a container through the API, and answers its placement id. */
async function place(request: Record<string, unknown>): Promise<string> {
  const placed = await api(stack, "POST", "/v1/placements", request);
  expect(placed.status).toBe(201);
  return (placed.body as { placement: { id: string } }).placement.id;
}

/** Opens the console at `hash`, and waits for the view's heading. */
async function visit(hash: string, heading: string): Promise<void> {
  await page.goto(`${stack.url}/${hash}`);
  await page.locator("h1", { hasText: heading }).waitFor();
}

/** Waits until an element of `selector` holds `text` (the view reads the API, or refreshes itself). */
async function shows(selector: string, text: string | RegExp, timeout = 15_000): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout });
}

/** What has the focus: its id, or its tag and text. */
function focused(): Promise<string> {
  return page.evaluate(
    "(({ id, tagName, textContent }) => id || tagName + ': ' + textContent)(document.activeElement)",
  );
}

beforeAll(async () => {
  ({ stack, profiles } = await consoleStack());
  browser = await launchChromium();
  for (const host of HOSTS) expect((await api(stack, "POST", "/v1/hosts", host)).status).toBe(201);
  // What a refresh would have recorded of six containers of team/web:1 (only real engines give samples).
  const sample = {
    image: "team/web:1",
    requested: { cpuMilli: 1000, memory: 512 },
    used: { cpuMilli: 200, memory: 100 },
  };
  await profiles.record(
    "team/web:1",
    Array.from({ length: 6 }, () => sample),
    new Date(),
  );
  // docker-2 90% full (cpu): a tile of the "high" band.
  await place({ image: "team/report:1", cpus: "1.8", memory: 1024, type: "batch", constraints: ["zone==b"] });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

beforeEach(async () => {
  ({ page, errors } = await openPage(browser));
});

afterEach(async () => {
  await page.context().close();
  expect(errors).toEqual([]);
});

describe("npm start's server", () => {
  it("serves the console at / beside the API, which answers as before", async () => {
    const index = await fetch(`${stack.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'none'; script-src 'self'");
    expect(await index.text()).toContain('<script type="module" src="/console.js"></script>');
    const script = await fetch(`${stack.url}/console.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    // Everything is bundled: no import of anything, from anywhere.
    expect(await script.text()).not.toMatch(/\bimport\s*[("'{*]|https?:\/\//);
    expect(await (await fetch(`${stack.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await api(stack, "GET", "/v1/cluster")).body).toMatchObject({ hosts: { total: 4 } });
    expect(await api(stack, "POST", "/")).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect(await api(stack, "GET", "/console")).toMatchObject({ status: 404, body: { error: "not_found" } });
  });
});

describe("the cluster", () => {
  it("shows every registered host as a tile coloured by how full it is, with its status and why", async () => {
    await visit("#/", "Cluster");
    for (const host of HOSTS) await shows(`[data-host="${host.id}"]`, host.addr);
    expect(await page.getAttribute('[data-host="docker-2"]', "class")).toBe("tile fill-high status-ready");
    expect(await page.getAttribute('[data-host="docker-1"]', "class")).toBe("tile fill-low status-ready");
    expect(await page.textContent('[data-host="docker-2"] .status')).toBe("ready: registered");
    await shows('[data-host="docker-2"]', "90% full");
    await shows("#cluster-summary", "Hosts4: 4 ready, 0 draining, 0 down");
    // Capacity against reserved against live use, per resource (no engine has reported use here).
    const cpus = await page.locator("#cluster-resources tbody tr").first().locator("td").allTextContents();
    expect(cpus.map((cell) => cell.trim())).toEqual(["cpus", "15", "1.8 of 15 (12%)", "0 of 15 (0%)"]);
    await shows("#cluster-resources", "as 0 of 4 hosts' engines last reported it");
    await screenshot(page, "cluster");
  });
});

describe("the placement form", () => {
  /** Waits until the type's select offers a type (an option is never "visible" to Playwright). */
  async function offered(text: string): Promise<void> {
    await page.locator("#type option", { hasText: text }).waitFor({ state: "attached" });
  }

  /** Fills the form and presses Place. */
  async function submit(fields: Record<string, string>, type = "service"): Promise<void> {
    for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
    await page.selectOption("#type", type);
    await page.click('form.request button[type="submit"]');
  }

  it("offers the API's scheduler types, places, and shows the placement on its host and in the list", async () => {
    await visit("#/place", "Place a container");
    await offered("batch (binpack)");
    expect(await page.locator("#type option").allInnerTexts()).toEqual([
      "service (spread)",
      "batch (binpack)",
    ]);
    await submit({
      image: "team/web:1",
      cpus: "0.5",
      memory: "256",
      constraints: "zone==a",
      labels: "tier=web",
    });
    await shows("#place-result h3", /^Placed on docker-[13]$/);
    const id = (await page.textContent("#place-result code")) ?? "";
    const placed = await api(stack, "GET", `/v1/placements/${id}`);
    expect(placed.body).toMatchObject({
      container: {
        image: "team/web:1",
        cpus: "0.5",
        memory: 256,
        constraints: ["zone==a"],
        labels: { tier: "web" },
      },
      placement: { id, scheduler: "service" },
    });
    // The form keeps what was typed, for the next request.
    expect(await page.inputValue("#image")).toBe("team/web:1");
    await screenshot(page, "placed");
    const host = id.split(".")[0] ?? "";
    await page.click(`#place-result a[href="#/hosts/${host}"]`);
    await shows("#host-placements", id);
    await page.click('nav a[href="#/placements"]');
    await shows("#placements-list", id);
  });

  it("shows a 409's reasons, as the API counts them, and a 400's details", async () => {
    await visit("#/place", "Place a container");
    await offered("batch (binpack)");
    const request = { image: "team/huge:1", cpus: "64", memory: "1024" };
    await submit(request, "batch");
    await shows("#place-result h3", "Not placed: no host can take it");
    const refused = await api(stack, "POST", "/v1/placements", { ...request, memory: 1024, type: "batch" });
    const { message, reasons } = refused.body as { message: string; reasons: Record<string, number> };
    expect(refused.status).toBe(409);
    expect(await page.textContent("#place-result .problem")).toBe(message);
    const cells = await page.locator("#place-result tbody td").allTextContents();
    const rows = cells.flatMap((cell, at) => (at % 2 === 0 ? [[cell, cells[at + 1]]] : []));
    expect(rows).toEqual(Object.entries(reasons).map(([why, n]) => [why, String(n)]));
    expect(rows.flat()).toContain("insufficient cpu");
    await screenshot(page, "unschedulable");
    await submit({ image: "team/web:1", cpus: "lots", memory: "256" });
    await shows("#place-result h3", "Not placed (400)");
    await shows("#place-result li", /^cpus: /);
    // A label that is not key=value is said before anything is sent, and the focus goes to it.
    await page.fill("#cpus", "1");
    await page.fill("#labels", "tier");
    await page.click('form.request button[type="submit"]');
    await shows("#place-result", "labels: line 1 is not key=value");
    expect(await focused()).toBe("labels");
  });
});

describe("a host", () => {
  it("is drained and undrained with its button, and shows as draining in the cluster", async () => {
    await visit("#/hosts/spare", "Host spare");
    await shows("#host-details", "ready: registered");
    await page.click("button:text-is('Drain')");
    await shows("#announcer", "Host spare is draining.");
    await shows("#host-details", "draining: set by the API");
    await shows("#host-events", "draining");
    expect(await api(stack, "GET", "/v1/hosts/spare")).toMatchObject({ body: { status: "draining" } });
    // The same button, now Undrain, kept the focus.
    await page.locator("button:text-is('Undrain')").waitFor();
    expect(await focused()).toBe("BUTTON: Undrain");
    await page.click('nav a[href="#/"]');
    await shows('[data-host="spare"] .status', "draining: set by the API");
    expect(await page.getAttribute('[data-host="spare"]', "class")).toContain("status-draining");
    await screenshot(page, "draining");
    await visit("#/hosts/spare", "Host spare");
    await page.click("button:text-is('Undrain')");
    await shows("#announcer", "Host spare is ready again.");
    expect(await api(stack, "GET", "/v1/hosts/spare")).toMatchObject({ body: { status: "ready" } });
  });

  it("shows its placements, engine, health and labels", async () => {
    await visit("#/hosts/docker-2", "Host docker-2");
    await shows("#host-details", "1.8 of 2 (90%); declared 2");
    await shows("#host-details", "zone=b");
    await shows("#host-details", "not reached yet");
    await shows("#host-details", "0 failed probes in a row; last probe never");
    await shows("#host-placements", "team/report:1");
    await shows("#host-events", "added through the API");
  });
});

describe("placements", () => {
  it("are released from the list, the focus kept in it", async () => {
    const id = await place({ image: "team/gone:1", cpus: "0.1", memory: 64, type: "service" });
    await visit("#/placements", "Placements");
    await shows("#placements-list", id);
    await page.focus(`button[aria-label="Release ${id}"]`);
    await page.keyboard.press("Enter");
    await shows("#announcer", `Released placement ${id}.`);
    await page.locator(`button[aria-label="Release ${id}"]`).waitFor({ state: "detached" });
    expect(await api(stack, "GET", `/v1/placements/${id}`)).toMatchObject({ status: 404 });
    // Its row is gone: the focus went to the list rather than to nowhere.
    expect(await focused()).toBe("placements-list");
  });

  it("come a page at a time, filtered by image and by host", async () => {
    const made: string[] = [];
    for (let n = 0; n < 30; n++) {
      made.push(
        await place({
          image: "team/paged:2",
          cpus: "0.01",
          memory: 1,
          type: "batch",
          constraints: ["zone==a"],
        }),
      );
    }
    await visit("#/placements", "Placements");
    await page.fill("#filter-image", "paged");
    await page.click('form.filters button[type="submit"]');
    await shows("#placements-list caption", 'Page 1: 25 placements of images containing "paged"');
    const ids = async () => page.locator("#placements-list tbody code").allTextContents();
    const first = await ids();
    await page.click("button:text-is('Next page')");
    await shows("#placements-list caption", 'Page 2: 5 placements of images containing "paged"');
    expect((await page.locator("button:text-is('Next page')").getAttribute("aria-disabled")) === "true").toBe(
      true,
    );
    expect([...first, ...(await ids())].sort()).toEqual(made.sort());
    await page.click("button:text-is('Previous page')");
    await shows("#placements-list caption", 'Page 1: 25 placements of images containing "paged"');
    expect(await ids()).toEqual(first);
    await page.fill("#filter-image", "");
    await page.fill("#filter-host", "docker-2");
    await page.click('form.filters button[type="submit"]');
    await shows("#placements-list caption", "Page 1: 1 placement on docker-2");
    await shows("#placements-list", "team/report:1");
    await page.fill("#filter-host", "nowhere");
    await page.click('form.filters button[type="submit"]');
    await shows("#placements-list", 'no host "nowhere" is registered');
  });

  it("refresh themselves every few seconds, keeping what is typed and the focus", async () => {
    await visit("#/placements", "Placements");
    await page.locator("#placements-list table").waitFor();
    await page.click("#filter-image");
    await page.keyboard.type("team/");
    const id = await place({ image: "team/late:1", cpus: "0.1", memory: 64, type: "service" });
    // No reload, no click: the view reads the API again by itself.
    await shows("#placements-list", id, 12_000);
    expect(await page.inputValue("#filter-image")).toBe("team/");
    expect(await focused()).toBe("filter-image");
  });
});

describe("image profiles", () => {
  it("show what was requested against what was observed, with a right-sizing suggestion", async () => {
    await visit(`#/images/${encodeURIComponent("team/web:1")}`, "Image profiles");
    await shows("#image-profile caption", "team/web:1: 6 samples");
    const cells = await page.locator("#image-profile tbody td").allTextContents();
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
    await shows("#images-running a", "team/web:1");
    await screenshot(page, "profile");
    await page.fill("#profile-image", "never/seen:1");
    await page.keyboard.press("Enter");
    await shows("#image-profile", "no container of never/seen:1 has been observed running yet");
    expect(page.url()).toContain(`#/images/${encodeURIComponent("never/seen:1")}`);
    expect(await focused()).toBe("profile-image");
  });
});

describe("keyboard and screen reader", () => {
  it("reaches every view by keyboard, the focus on each view's heading", async () => {
    await visit("#/", "Cluster");
    await page.locator('[data-host="docker-1"]').waitFor();
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("A: Skip to the view");
    const order: string[] = [];
    for (let n = 0; n < 10 && !order.includes("A: docker-1"); n++) {
      await page.keyboard.press("Tab");
      order.push(await focused());
    }
    expect(order).toEqual([
      "A: Cluster",
      "A: Placements",
      "A: Image profiles",
      "A: Place a container",
      "auto-refresh",
      "A: docker-1",
    ]);
    await page.keyboard.press("Enter");
    await page.locator("h1", { hasText: "Host docker-1" }).waitFor();
    expect(await focused()).toBe("H1: Host docker-1");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("BUTTON: Drain");
  });

  it("has no serious or critical axe-core violation in any view", async () => {
    const found: Record<string, string[]> = {};
    for (const [hash, heading, ready] of [
      ["#/", "Cluster", '[data-host="docker-1"]'],
      ["#/hosts/docker-2", "Host docker-2", "#host-placements table"],
      ["#/placements", "Placements", "#placements-list table"],
      [`#/images/${encodeURIComponent("team/web:1")}`, "Image profiles", "#image-profile table"],
      ["#/place", "Place a container", "#type option"],
    ] as const) {
      await visit(hash, heading);
      await page.locator(ready).first().waitFor({ state: "attached" });
      found[hash] = await seriousViolations(page);
    }
    // With the outcomes shown: a placement, and a 409's reasons.
    for (const cpus of ["0.1", "64"]) {
      await page.fill("#image", "team/axe:1");
      await page.fill("#cpus", cpus);
      await page.fill("#memory", "16");
      await page.click('form.request button[type="submit"]');
      await page.locator("#place-result h3").waitFor();
      found[`#/place ${cpus}`] = await seriousViolations(page);
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((view) => [view, []])));
  });
});

it("is small: under 32 KB as served, everything included", async () => {
  const { buildConsole } = await import("../../shared/local/console-files.js");
  expect(consoleSize(await buildConsole()).bytes).toBeLessThan(32 * 1024);
});
