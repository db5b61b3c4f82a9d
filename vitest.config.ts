import { defineConfig } from "vitest/config";

// The SDK warns once per process that it will need Node 22 from 2027; Lambda runs nodejs22.x already.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    env: {
      POWERTOOLS_LOG_LEVEL: "SILENT",
    },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
