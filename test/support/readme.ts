import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import type { LocalStack } from "../../shared/local/stack.js";
import { localStackOnFreshTables } from "./dynamodb.js";

/** The top README, as the tests that run its sessions read it. */
export const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The first block of `language` after `marker` in the README. */
export function blockAfter(marker: string, language: string): string {
  const rest = README.slice(README.indexOf(marker));
  return new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(rest)?.[1] ?? "";
}

/** Runs a README session's curls against `stack` (its port for 3000): each answer, parsed, in order. */
export async function answers(script: string, stack: LocalStack): Promise<unknown[]> {
  const port = new URL(stack.url).port;
  // Each curl's answer on a line of its own, to read them back one by one.
  const run = `set -euo pipefail\ncurl() { command curl "$@"; echo; }\n${script.replaceAll("localhost:3000", `127.0.0.1:${port}`)}`;
  // Asynchronously: the server answering these curls runs in this very process.
  const { stdout: output } = await promisify(execFile)("bash", ["-c", run], { encoding: "utf8" });
  return output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

/**
 * Runs the README's shell session after `marker` against a local stack on fresh tables before the
 * file's tests, and stops the stack after them. The answers fill the list returned, in order.
 */
export function readmeSession<T = unknown>(marker: string): T[] {
  const lines: T[] = [];
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    stack = await localStackOnFreshTables();
    lines.push(...((await answers(blockAfter(marker, "sh"), stack)) as T[]));
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return lines;
}
