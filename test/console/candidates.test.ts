import { describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./browser.js";
import { consoleSession, focused, type Session, shows, visit } from "./session.js";
import { api } from "./stack.js";

// The placement form's candidates, in a real Chromium against the stack `npm start` runs.
const session = consoleSession();

/** A table's body cells, row by row. */
async function tableRows(selector: string): Promise<string[][]> {
  return session.page
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? "")));
}

/** Opens the form and fills it (the type once the API has offered it). */
async function fill({ page }: Session, fields: Record<string, string>, type = "service"): Promise<void> {
  await visit(session, "#/place", "Place a container");
  await page
    .locator("#type option", { hasText: "batch (gpu-fragmentation, cpu-reserve, in-use, best-fit)" })
    .waitFor({ state: "attached" });
  for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
  await page.selectOption("#type", type);
}

const announced = () => session.page.textContent("#announcer");

describe("the placement form's candidates", () => {
  it("ranks the hosts that can take the request as the API does, says why the others cannot, and places nothing", async () => {
    const before = await api(session.stack, "GET", "/v1/cluster");
    await fill(session, { image: "team/web:1", cpus: "1", memory: "512" });
    await session.page.click("text=Show candidates");
    await shows(session, "#place-candidates h3", "3 of 4 hosts can take it.");
    const ranked = await api(session.stack, "POST", "/v1/candidates", {
      image: "team/web:1",
      cpus: "1",
      memory: 512,
      type: "service",
    });
    const body = ranked.body as {
      candidates: {
        host: { id: string; addr: string };
        score: number;
        scores: { replicas: number; "least-allocated": number };
        free: { cpus: number; memory: number };
      }[];
    };
    expect(body.candidates.map(({ host }) => host.id)).toEqual(["docker-1", "docker-3", "spare"]);
    expect(
      await session.page.locator("#place-candidates table:nth-of-type(1) thead th").allTextContents(),
    ).toEqual([
      "Rank",
      "Host",
      "Address",
      "Score",
      "replicas score",
      "least-allocated score",
      "Free cpus",
      "Free MiB",
    ]);
    expect(await tableRows("#place-candidates table:nth-of-type(1)")).toEqual(
      body.candidates.map(({ host, score, scores, free }, at) =>
        [
          at + 1,
          host.id,
          host.addr,
          score,
          scores.replicas,
          scores["least-allocated"],
          free.cpus,
          free.memory,
        ].map(String),
      ),
    );
    expect(await tableRows("#place-candidates table:nth-of-type(2)")).toEqual([["insufficient cpu", "1"]]);
    expect(await announced()).toBe("Candidates: 3 of 4 hosts can take it; the best is docker-1.");
    await screenshot(session.page, "candidates");
    expect(await api(session.stack, "GET", "/v1/cluster")).toEqual(before);

    // Each host is a link to its view.
    await session.page.click('#place-candidates a[href="#/hosts/docker-3"]');
    await session.page.locator("h1", { hasText: "Host docker-3" }).waitFor();
  });

  it("is reached and run from the keyboard, the focus staying on the button", async () => {
    await fill(session, { image: "team/web:1", cpus: "1", memory: "512" }, "batch");
    await session.page.focus('form.request button[type="submit"]');
    await session.page.keyboard.press("Tab");
    expect(await focused(session)).toBe("BUTTON: Show candidates");
    await session.page.keyboard.press("Enter");
    await shows(session, "#place-candidates h3", "3 of 4 hosts can take it.");
    expect(await focused(session)).toBe("BUTTON: Show candidates");
    expect(
      await session.page.locator("#place-candidates table:nth-of-type(1) thead th").allTextContents(),
    ).toContain("best-fit score");
    // Best-fit: the host in use that fits first, then the empty ones, the largest first.
    expect((await tableRows("#place-candidates table:nth-of-type(1)")).map((row) => row[1])).toEqual([
      "docker-3",
      "docker-1",
      "spare",
    ]);
    expect(await announced()).toBe("Candidates: 3 of 4 hosts can take it; the best is docker-3.");
  });

  it("says why no host can take it (a 409's reasons), a 400's details, and a bad label before sending", async () => {
    await fill(session, { image: "team/huge:1", cpus: "64", memory: "1024" });
    await session.page.click("text=Show candidates");
    await shows(session, "#place-candidates h3", "No candidates: no host can take it");
    expect(await session.page.textContent("#place-candidates .problem")).toBe(
      "0/4 hosts are available: 4 insufficient cpu.",
    );
    expect(await tableRows("#place-candidates")).toEqual([["insufficient cpu", "4"]]);
    expect(await announced()).toBe("No candidates: 0/4 hosts are available: 4 insufficient cpu.");
    expect(await seriousViolations(session.page)).toEqual([]);

    await session.page.fill("#cpus", "lots");
    await session.page.click("text=Show candidates");
    await shows(session, "#place-candidates h3", "No candidates (400)");
    await shows(session, "#place-candidates li", /^cpus: /);

    await session.page.fill("#cpus", "1");
    await session.page.fill("#labels", "tier");
    await session.page.click("text=Show candidates");
    await shows(session, "#place-candidates", "labels: line 1: give a label as key=value");
    expect(await focused(session)).toBe("labels");
  });

  it("has no serious or critical axe-core violation with the candidates shown", async () => {
    await fill(session, { image: "team/web:1", cpus: "0.5", memory: "256" });
    expect(await seriousViolations(session.page)).toEqual([]);
    await session.page.click("text=Show candidates");
    await shows(session, "#place-candidates h3", "can take it");
    expect(await seriousViolations(session.page)).toEqual([]);
  });
});
