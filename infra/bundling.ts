/** Every Lambda's handler, by name: the stack, the cold-start benchmark and the bundle test read this. */
export const LAMBDA_ENTRIES = {
  router: "functions/api/handler.ts",
  scheduler: "functions/scheduler/handler.ts",
  refresh: "functions/capacity-refresh/handler.ts",
  refreshWorker: "functions/refresh-worker/handler.ts",
} as const;

/** How every Lambda is bundled (esbuild, by NodejsFunction in the stack and directly in the benchmark). */
export const BUNDLING = {
  target: "node22",
  // ESM bundles need `require`, `__filename` and `__dirname` for the CommonJS dependencies inside them.
  banner: [
    "import { createRequire as __createRequire } from 'node:module';",
    "import { fileURLToPath as __fileURLToPath } from 'node:url';",
    "import { dirname as __pathDirname } from 'node:path';",
    "const require = __createRequire(import.meta.url);",
    "const __filename = __fileURLToPath(import.meta.url);",
    "const __dirname = __pathDirname(__filename);",
  ].join(""),
  // The SDK is the runtime's.
  external: ["@aws-sdk/*"],
} as const;
