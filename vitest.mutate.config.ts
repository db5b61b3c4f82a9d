import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The suite as `npm run mutate` runs it against each mutant: the tests of the code it mutates (see
 * stryker.config.json). Left out: the Docker tests (one set of engines per machine, while Stryker runs
 * a vitest per worker), the safety runs (whole-system workloads of a minute each, whose invariants the
 * contract suites check case by case), and the tests of what is not mutated (the engines' HTTP client,
 * the bundles, the benchmark, the README's sessions).
 */
export default defineConfig({
  test: {
    ...base.test,
    include: [
      "test/unit/**/*.test.ts",
      "test/contract/**/*.test.ts",
      "test/api/**/*.test.ts",
      "test/integration/**/*.test.ts",
    ],
    exclude: [
      "test/unit/bench-*.test.ts",
      "test/unit/docker-tls.test.ts",
      "test/api/readme.test.ts",
      "test/api/readme-schedulers.test.ts",
      "test/integration/concurrency.test.ts",
      "test/integration/hostile-engines.test.ts",
    ],
    globalSetup: ["test/support/mutation-setup.ts"],
    // Modules are imported once per worker, not once per test file: most of a mutant's run otherwise.
    isolate: false,
  },
});
