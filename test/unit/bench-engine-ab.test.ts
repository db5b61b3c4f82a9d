import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/** bench/engine-ab.ts with `args`, from this tree: its table's rows, cells split. */
async function rows(args: string[]): Promise<string[][]> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "bench/engine-ab.ts", ...args]);
  return stdout
    .split("\n")
    .filter((line) => /^\| (service|batch) \|/.test(line))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe("the engine's A/B comparison (bench/engine-ab.ts)", () => {
  it("compares a tree with itself on the same cluster and requests: one row per type, host count and scan", async () => {
    const table = await rows([
      "--before",
      ".",
      "--processes",
      "1",
      "--rounds",
      "2",
      "--warmup",
      "1",
      "--ms",
      "2",
      "--hosts",
      "100",
    ]);
    expect(table.map(([type, hosts, scored]) => `${type} ${hosts} ${scored}`)).toEqual([
      "service 100 sampled",
      "batch 100 sampled",
      "service 100 every host",
      "batch 100 every host",
    ]);
    for (const row of table) {
      // The CPU-time ratio's median first, in bold: a positive number (the same code, so near 1).
      const median = Number(/^\*\*([0-9.]+) /.exec(row[6] ?? "")?.[1]);
      expect(median).toBeGreaterThan(0);
    }
  }, 60_000);

  it("refuses a tree that has no such scheduler type, naming it", async () => {
    await expect(rows(["--before", ".", "--types", "nightly", "--hosts", "100"])).rejects.toThrow(
      /no scheduler type nightly/,
    );
  }, 60_000);
});
