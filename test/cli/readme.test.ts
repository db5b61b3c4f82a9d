import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../shared/local/stack.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";

// The README's "Command line" session, run as written (`npx citadel`, from the repository) against the
// local stack `npm start` runs, its address given as the README says: CITADEL_ENDPOINT.
const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(`${root}/README.md`, "utf8");
const section = readme.slice(readme.indexOf("## Command line"), readme.indexOf("## API"));
const [script = ""] = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
const [unschedulable = "", hosts = "", cluster = "", candidates = ""] = [
  ...section.matchAll(/```text\n([\s\S]*?)```/g),
].map((match) => match[1]);

let stack: LocalStack;
let output: string[] = [];

beforeAll(async () => {
  stack = await localStackOnFreshTables();
  // Standard error into the output, where a terminal shows it; asynchronously, as the server runs here.
  const { stdout } = await promisify(execFile)("bash", ["-c", `set -euo pipefail\n{\n${script}} 2>&1`], {
    cwd: root,
    env: { ...process.env, CITADEL_ENDPOINT: stack.url },
    encoding: "utf8",
  });
  output = stdout.split("\n");
});

afterAll(async () => {
  await stack?.stop();
});

/** The lines of a README output block, each found in the output in that order. */
const shownInOrder = (block: string) => {
  const lines = block.trimEnd().split("\n");
  const at = output.indexOf(lines[0] ?? "");
  return output.slice(at, at + lines.length);
};

describe("the README's command line session", () => {
  it("says why the big container fits nowhere, and exits with 3", () => {
    expect(shownInOrder(unschedulable)).toEqual(unschedulable.trimEnd().split("\n"));
  });

  it("ranks the candidates, and says why the other host cannot take the container", () => {
    expect(shownInOrder(candidates)).toEqual(candidates.trimEnd().split("\n"));
  });

  it("lists the hosts with what they reserve (in the store's order)", () => {
    const [header, ...rows] = hosts.trimEnd().split("\n");
    const listed = shownInOrder(hosts);
    expect(listed[0]).toBe(header);
    expect(listed.slice(1).sort()).toEqual(rows.sort());
  });

  it("shows the cluster with docker-2 drained", () => {
    expect(shownInOrder(cluster)).toEqual(cluster.trimEnd().split("\n"));
  });

  it("releases the placement it read from --json", () => {
    expect(output.at(-2)).toMatch(/^released docker-1\.\w+$/);
  });
});
