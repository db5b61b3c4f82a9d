import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";

/** Where screenshots go (`reports/` is not committed). */
export const SCREENSHOTS = new URL("../../reports/console/", import.meta.url).pathname;

/** The system's Chromium: `CHROMIUM_PATH`, or Debian's `chromium` package (which `.ci/run` installs). */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || "/usr/bin/chromium";
}

/**
 * A headless Chromium. A machine that cannot start one fails the tests that need it (never skips
 * them), saying what to install.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  try {
    return await chromium.launch({ executablePath, headless: true });
  } catch (error) {
    throw new Error(
      `the console's tests need Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH): ${(error as Error).message}`,
    );
  }
}

/**
 * A page of its own (1200×900), which records what went wrong in it: uncaught errors, and console
 * messages other than the browser's own "Failed to load resource" for an API answer the page handles.
 */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  // bypassCSP: so that axe-core can be injected into a page whose policy allows its own script only.
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      errors.push(message.text());
    }
  });
  return { page, errors };
}

/** Writes a screenshot of the whole page to reports/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

const AXE = readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/** axe-core's violations on the page as it is now, of serious or critical impact, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof axe !== 'undefined'"))) await page.addScriptTag({ content: await AXE });
  const results = (await page.evaluate("axe.run(document)")) as AxeResults;
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id} (${violation.help}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
    );
}
