import { describe, expect, it } from "vitest";
import { consoleSize } from "../../shared/local/console-files.js";
import { screenshot, seriousViolations } from "./browser.js";
import { consoleSession, focused, type Session, shows, visit } from "./session.js";
import { api } from "./stack.js";

// The placement form, the keyboard and axe-core, in a real Chromium against the stack `npm start` runs.
const session = consoleSession();

/** Waits until the type's select offers a type (an option is never "visible" to Playwright). */
async function offered(text: string): Promise<void> {
  await session.page.locator("#type option", { hasText: text }).waitFor({ state: "attached" });
}

/** Fills the form and presses Place. */
async function submit(fields: Record<string, string>, type = "service"): Promise<void> {
  for (const [id, value] of Object.entries(fields)) await session.page.fill(`#${id}`, value);
  await session.page.selectOption("#type", type);
  await session.page.click('form.request button[type="submit"]');
}

/** The id of the placement the form has just made (shown in the result), and the placement as the API stores it. */
async function placedByForm(session: Session) {
  const id = (await session.page.textContent("#place-result code")) ?? "";
  return { id, placed: await api(session.stack, "GET", `/v1/placements/${id}`) };
}

describe("the placement form", () => {
  it("offers the API's scheduler types, places, and shows the placement on its host and in the list", async () => {
    await visit(session, "#/place", "Place a container");
    await offered("batch (gpu-fragmentation, cpu-reserve, in-use, best-fit)");
    expect(await session.page.locator("#type option").allInnerTexts()).toEqual([
      "service (replicas, least-allocated)",
      "batch (gpu-fragmentation, cpu-reserve, in-use, best-fit)",
      "gpu (gpu-fragmentation-coarse, cpu-reserve)",
    ]);
    await submit({
      image: "team/web:1",
      cpus: "0.5",
      memory: "256",
      constraints: "zone==a",
      labels: "tier=web",
    });
    await shows(session, "#place-result h3", /^Placed on docker-[13]$/);
    const { id, placed } = await placedByForm(session);
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
    expect(await session.page.inputValue("#image")).toBe("team/web:1");
    await screenshot(session.page, "placed");
    const host = id.split(".")[0] ?? "";
    await session.page.click(`#place-result a[href="#/hosts/${host}"]`);
    await shows(session, "#host-placements", id);
    await session.page.click('nav a[href="#/placements"]');
    await shows(session, "#placements-list", id);
  });

  it("shows a 409's reasons, as the API counts them, and a 400's details", async () => {
    await visit(session, "#/place", "Place a container");
    await offered("batch (gpu-fragmentation, cpu-reserve, in-use, best-fit)");
    const request = { image: "team/huge:1", cpus: "64", memory: "1024" };
    await submit(request, "batch");
    await shows(session, "#place-result h3", "Not placed: no host can take it");
    const refused = await api(session.stack, "POST", "/v1/placements", {
      ...request,
      memory: 1024,
      type: "batch",
    });
    const { message, reasons } = refused.body as { message: string; reasons: Record<string, number> };
    expect(refused.status).toBe(409);
    expect(await session.page.textContent("#place-result .problem")).toBe(message);
    const cells = await session.page.locator("#place-result tbody td").allTextContents();
    const rows = cells.flatMap((cell, at) => (at % 2 === 0 ? [[cell, cells[at + 1]]] : []));
    expect(rows).toEqual(Object.entries(reasons).map(([why, n]) => [why, String(n)]));
    expect(rows.flat()).toContain("insufficient cpu");
    await screenshot(session.page, "unschedulable");
    await submit({ image: "team/web:1", cpus: "lots", memory: "256" });
    await shows(session, "#place-result h3", "Not placed (400)");
    await shows(session, "#place-result li", /^cpus: /);
    // A label that is not key=value is said before anything is sent, and the focus goes to it.
    await session.page.fill("#cpus", "1");
    await session.page.fill("#labels", "tier");
    await session.page.click('form.request button[type="submit"]');
    await shows(session, "#place-result", "labels: line 1: give a label as key=value");
    expect(await focused(session)).toBe("labels");
  });
});

describe("keyboard and screen reader", () => {
  it("reaches every view by keyboard, the focus on each view's heading", async () => {
    await visit(session, "#/", "Cluster");
    await session.page.locator('[data-host="docker-1"]').waitFor();
    await session.page.keyboard.press("Tab");
    expect(await focused(session)).toBe("A: Skip to the view");
    const order: string[] = [];
    for (let n = 0; n < 10 && !order.includes("A: docker-1"); n++) {
      await session.page.keyboard.press("Tab");
      order.push(await focused(session));
    }
    expect(order).toEqual([
      "A: Cluster",
      "A: Placements",
      "A: Image profiles",
      "A: Place a container",
      "auto-refresh",
      "A: docker-1",
    ]);
    await session.page.keyboard.press("Enter");
    await session.page.locator("h1", { hasText: "Host docker-1" }).waitFor();
    expect(await focused(session)).toBe("H1: Host docker-1");
    await session.page.keyboard.press("Tab");
    expect(await focused(session)).toBe("BUTTON: Drain");
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
      await visit(session, hash, heading);
      await session.page.locator(ready).first().waitFor({ state: "attached" });
      found[hash] = await seriousViolations(session.page);
    }
    // With the outcomes shown: a placement, and a 409's reasons.
    for (const cpus of ["0.1", "64"]) {
      await session.page.fill("#image", "team/axe:1");
      await session.page.fill("#cpus", cpus);
      await session.page.fill("#memory", "16");
      await session.page.click('form.request button[type="submit"]');
      await session.page.locator("#place-result h3").waitFor();
      found[`#/place ${cpus}`] = await seriousViolations(session.page);
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((view) => [view, []])));
  });
});

it("is small: under 32 KB as served, everything included", async () => {
  const { buildConsole } = await import("../../shared/local/console-files.js");
  expect(consoleSize(await buildConsole()).bytes).toBeLessThan(32 * 1024);
});

describe("every field of a request", () => {
  it("sends disk, GPUs, ports, volumes, distinct hosts, affinities and spread as the API takes them", async () => {
    // The last test of the file: a host with disk and GPU devices joins the cluster here.
    const gpuHost = {
      addr: "127.0.1.15:2375",
      id: "docker-gpu",
      total_cpus: 8,
      total_memory: 16384,
      total_disk: 10240,
      gpus: { count: 2, model: "T4" },
      labels: { zone: "c" },
    };
    expect((await api(session.stack, "POST", "/v1/hosts", gpuHost)).status).toBe(201);
    await visit(session, "#/place", "Place a container");
    await offered("gpu (gpu-fragmentation-coarse, cpu-reserve)");
    await session.page.check("#distinct-hosts");
    await submit(
      {
        image: "team/train:1",
        cpus: "0.5",
        memory: "256",
        disk: "1024",
        gpus: "0.5",
        "gpu-models": "T4, A100",
        ports: "80:8080\n53/udp",
        volumes: "scratch:/data:create",
        affinities: "50:zone==c",
        spread: "zone=c:100",
        labels: "tier=train",
      },
      "gpu",
    );
    await shows(session, "#place-result h3", "Placed on docker-gpu");
    const { placed } = await placedByForm(session);
    expect(placed.body).toMatchObject({
      container: {
        image: "team/train:1",
        cpus: "0.5",
        memory: 256,
        disk: 1024,
        gpus: 0.5,
        gpu_models: ["T4", "A100"],
        ports: [
          { container: 80, host: 8080 },
          { container: 53, protocol: "udp" },
        ],
        volumes: [{ name: "scratch", path: "/data", create: true }],
        distinct_hosts: true,
        affinities: [{ constraint: "zone==c", weight: 50 }],
        spread: { label: "zone", targets: { c: 100 } },
        labels: { tier: "train" },
        type: "gpu",
      },
      placement: { host_id: "docker-gpu", disk: 1024, gpus: { devices: ["0"], share: 0.5 } },
    });
    // A line that cannot be read is said before anything is sent, naming the field and the line.
    await session.page.fill("#ports", "80:8080\nhttp");
    await session.page.click('form.request button[type="submit"]');
    await shows(session, "#place-result", "ports: line 2: give a port as CONTAINER[:HOST][/tcp|/udp]");
    expect(await focused(session)).toBe("ports");
  });
});
