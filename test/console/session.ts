import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import type { ProfileStore } from "../../shared/core/profile.js";
import type { LocalStack } from "../../shared/local/stack.js";
import { launchChromium, openPage } from "./browser.js";
import { api, consoleStack } from "./stack.js";

/** What a test of the console has: the stack `npm start` runs, the profiles it reads, and a page of its own. */
export interface Session {
  stack: LocalStack;
  profiles: ProfileStore;
  page: Page;
}

/** The hosts every session registers through the API. */
export const HOSTS = [
  { addr: "127.0.1.11:2375", id: "docker-1", total_cpus: 4, total_memory: 8192, labels: { zone: "a" } },
  { addr: "127.0.1.12:2375", id: "docker-2", total_cpus: 2, total_memory: 4096, labels: { zone: "b" } },
  { addr: "127.0.1.13:2375", id: "docker-3", total_cpus: 8, total_memory: 16384, labels: { zone: "a" } },
  { addr: "127.0.1.14:2375", id: "spare", total_cpus: 1, total_memory: 1024, labels: { zone: "c" } },
];

/**
 * The console in a real Chromium, against the stack `npm start` runs (DynamoDB Local, fresh tables),
 * for the test file that calls this: the hosts registered, a profile recorded and a placement made as a
 * script would, before its tests; a new page for each test, which fails if the page reported an error.
 */
export function consoleSession(): Session {
  const session = {} as Session;
  let browser: Browser;
  let errors: string[];
  beforeAll(async () => {
    Object.assign(session, await consoleStack());
    browser = await launchChromium();
    for (const host of HOSTS) expect((await api(session.stack, "POST", "/v1/hosts", host)).status).toBe(201);
    // What a refresh would have recorded of six containers of team/web:1 (only real engines give samples).
    const sample = {
      image: "team/web:1",
      requested: { cpuMilli: 1000, memory: 512 },
      used: { cpuMilli: 200, memory: 100 },
    };
    await session.profiles.record(
      "team/web:1",
      Array.from({ length: 6 }, () => sample),
      new Date(),
    );
    // docker-2 90% full (cpu), a tile of the "high" band; docker-3 62.5%, of the "mid" band.
    await place(session, {
      image: "team/report:1",
      cpus: "1.8",
      memory: 1024,
      type: "batch",
      constraints: ["zone==b"],
    });
    await place(session, {
      image: "team/api:3",
      cpus: "5",
      memory: 4096,
      type: "batch",
      constraints: ["zone==a"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await session.stack?.stop();
  });
  beforeEach(async () => {
    ({ page: session.page, errors } = await openPage(browser));
  });
  afterEach(async () => {
    await session.page.context().close();
    expect(errors).toEqual([]);
  });
  return session;
}

/** Places a container through the API, and answers its placement id. */
export async function place({ stack }: Session, request: Record<string, unknown>): Promise<string> {
  const placed = await api(stack, "POST", "/v1/placements", request);
  expect(placed.status).toBe(201);
  return (placed.body as { placement: { id: string } }).placement.id;
}

/** Opens the console at `hash`, and waits for the view's heading. */
export async function visit({ stack, page }: Session, hash: string, heading: string): Promise<void> {
  await page.goto(`${stack.url}/${hash}`);
  await page.locator("h1", { hasText: heading }).waitFor();
}

/** Waits until an element of `selector` holds `text` (the view reads the API, or refreshes itself). */
export async function shows({ page }: Session, selector: string, text: string | RegExp, timeout = 15_000) {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout });
}

/** What has the focus: its id, or its tag and text. */
export function focused({ page }: Session): Promise<string> {
  return page.evaluate(
    "(({ id, tagName, textContent }) => id || tagName + ': ' + textContent)(document.activeElement)",
  );
}
