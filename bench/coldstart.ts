import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { esbuildOptions, LAMBDA_ENTRIES, NODE_OPTIONS } from "../infra/bundling.js";
import { percentile } from "./arbiter.js";

export interface ColdStartResult {
  lambda: string;
  sdk: "bundled" | "runtime";
  bundleKiB: number;
  initMsP50: number;
}

/**
 * Each Lambda bundled as the CDK stack bundles it (infra/bundling.ts: ESM, minified, node22, source
 * maps), with the AWS SDK inside (this stack's choice) or left to the runtime (the CDK default), then its
 * module initialisation timed in fresh Node processes with the stack's NODE_OPTIONS: the part of a cold
 * start the code controls.
 */
export async function benchColdStart(runs: number): Promise<ColdStartResult[]> {
  // Inside node_modules, so that a bundle leaving the AWS SDK to the runtime finds it there.
  mkdirSync("node_modules/.cache", { recursive: true });
  const out = mkdtempSync(join(resolve("node_modules/.cache"), "citadel-bundles-"));
  const results: ColdStartResult[] = [];
  for (const [variant, [lambda, entry]] of ["bundled", "runtime"].flatMap((sdk) =>
    Object.entries(LAMBDA_ENTRIES).map((pair) => [sdk, pair] as const),
  )) {
    const sdk = variant === "bundled" ? "bundled" : "runtime";
    const dir = join(out, `${lambda}-${sdk}`);
    const file = join(dir, "index.mjs");
    await build(esbuildOptions(entry, dir, sdk === "runtime" ? ["@aws-sdk/*"] : []));
    const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
        env: {
          ...process.env,
          NODE_OPTIONS,
          AWS_REGION: "us-east-1",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
      });
      times.push(Number(stdout.trim()));
    }
    results.push({
      lambda,
      sdk,
      bundleKiB: Math.round(bytesOfCode(dir) / 1024),
      initMsP50: Number(percentile(times, 0.5).toFixed(1)),
    });
  }
  return results;
}

/** The bundle's code as deployed: the entry and every chunk, not the source maps. */
function bytesOfCode(dir: string): number {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".mjs"))
    .reduce((bytes, name) => bytes + statSync(join(dir, name)).size, 0);
}
