import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";

// The README's session, run as written against the local stack `npm start` runs (its port aside).
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const blocks = (language: string) =>
  [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))].map(
    (match) => match[1] ?? "",
  );
const session = readme.slice(readme.indexOf("## A session"));
const sessionScript = [...session.matchAll(/```sh\n([\s\S]*?)```/g)][0]?.[1] ?? "";
const [placementExample, unschedulableExample, candidatesExample] = blocks("json");

let stack: LocalStack;
let lines: unknown[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ store: "dynamodb", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5 });
  const port = new URL(stack.url).port;
  // Each curl's answer on a line of its own, to read them back one by one.
  const script = `set -euo pipefail\ncurl() { command curl "$@"; echo; }\n${sessionScript.replaceAll("localhost:3000", `127.0.0.1:${port}`)}`;
  // Asynchronously: the server answering these curls runs in this very process.
  const { stdout: output } = await promisify(execFile)("bash", ["-c", script], { encoding: "utf8" });
  lines = output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
});

afterAll(async () => {
  await stack?.stop();
});

describe("the README's session", () => {
  it("registers both hosts", () => {
    expect(lines[0]).toMatchObject({ id: "docker-1", status: "ready", total_cpus: 4 });
    expect(lines[1]).toMatchObject({ id: "docker-2", status: "ready", total_cpus: 2 });
  });

  it("places the seed's container with the answer the README shows, ids and times aside", () => {
    const example = JSON.parse(placementExample ?? "{}");
    const answer = lines[2] as typeof example;
    expect(answer.container).toEqual(example.container);
    expect(answer.resource).toEqual(example.resource);
    const { id: _id, created_at: _created, ...rest } = example.placement;
    expect(answer.placement).toMatchObject(rest);
  });

  it("places the batch job in zone b, and says why the big one fits nowhere, as shown", () => {
    expect(lines[3]).toMatchObject({ resource: { id: "docker-2" }, placement: { scheduler: "batch" } });
    expect(lines[4]).toEqual(JSON.parse(unschedulableExample ?? "{}"));
  });

  it("lists the hosts and the cluster, then releases the placement", () => {
    expect((lines[5] as { hosts: unknown[] }).hosts).toHaveLength(2);
    expect(lines[6]).toMatchObject({ placements: 2, reserved_cpus: 1.2 });
    expect(lines[7]).toBe(204);
  });

  it("ranks the candidates for the web server as shown, their hosts' views shortened there", () => {
    expect(lines[8]).toMatchObject(JSON.parse(candidatesExample ?? "{}"));
    expect(lines).toHaveLength(9);
  });
});
