import type { BuildOptions } from "esbuild";

/** Every Lambda's handler, by name: the stack, the cold-start benchmark and the bundle test read this. */
export const LAMBDA_ENTRIES = {
  router: "functions/api/handler.ts",
  scheduler: "functions/scheduler/handler.ts",
  refresh: "functions/capacity-refresh/handler.ts",
  refreshWorker: "functions/refresh-worker/handler.ts",
} as const;

/** How every Lambda is bundled (by the local esbuild, in the stack as in the benchmark and the bundle test). */
export const BUNDLING = {
  target: "node22",
  minify: true,
  // Stack traces name the source's lines (NODE_OPTIONS below); the sources themselves are left out: Node
  // reads and parses the whole map when it loads the bundle, and the sources made it three times larger.
  sourceMap: true,
  sourcesContent: false,
  // The packages' ES module builds where they have them: esbuild drops what a Lambda does not use (every
  // other command of an AWS SDK client), which it cannot do in their CommonJS builds.
  mainFields: ["module", "main"],
  // ESM bundles need `require`, `__filename` and `__dirname` for the CommonJS dependencies inside them.
  banner: [
    "import { createRequire as __createRequire } from 'node:module';",
    "import { fileURLToPath as __fileURLToPath } from 'node:url';",
    "import { dirname as __pathDirname } from 'node:path';",
    "const require = __createRequire(import.meta.url);",
    "const __filename = __fileURLToPath(import.meta.url);",
    "const __dirname = __pathDirname(__filename);",
  ].join(""),
  // The AWS SDK is bundled, not left to the runtime's: bundled and tree-shaken, a Lambda initialises in
  // half the time it takes to load the runtime's whole CommonJS clients, dozens of files (BENCHMARKS.md §6).
  external: [],
} as const;

/** The environment the stack gives every Lambda's Node: source-mapped stack traces. */
export const NODE_OPTIONS = "--enable-source-maps";

/**
 * BUNDLING as esbuild's options for one entry, written to `outdir` as `index.mjs` (the handler
 * `index.handler`) and the chunks it imports dynamically: split, code that only some requests need
 * (run mode's engines, the SDK's other credential sources) is neither parsed nor run at init.
 * `external` is for the benchmark's runtime-SDK comparison.
 */
export function esbuildOptions(
  entry: string,
  outdir: string,
  external: readonly string[] = BUNDLING.external,
): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    external: [...external],
    logLevel: "silent",
  };
}
