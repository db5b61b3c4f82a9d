import { loadConfig, positiveInteger, readHostAllowlist } from "../adapters/config.js";
import { buildConsole } from "./console-files.js";
import { LOCAL_HOST_RANGES } from "./in-process.js";
import { startLocalStack } from "./stack.js";

/** `npm start`: the API and the web console on http://127.0.0.1:${PORT:-3000}, until Ctrl-C. */
const store = process.env.CITADEL_STORE ?? "dynamodb";
if (store !== "dynamodb" && store !== "memory") {
  process.stderr.write(`CITADEL_STORE must be dynamodb or memory, got "${store}"\n`);
  process.exit(2);
}
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  // A malformed variable (CITADEL_SCHEDULER_TYPES's list, a number): its message names it, no stack trace.
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const stack = await startLocalStack({
  store,
  port: positiveInteger(process.env, "PORT", 3000),
  snapshotMaxAgeMs: config.snapshotMaxAgeMs,
  maxAttempts: config.maxAttempts,
  refreshSeconds: positiveInteger(process.env, "CITADEL_REFRESH_SECONDS", 0),
  refresh: config.refresh,
  fanOut: config.fanOut,
  hostAllowlist: readHostAllowlist(process.env, LOCAL_HOST_RANGES),
  budgetMs: config.budgetMs,
  schedulers: config.schedulers,
  console: await buildConsole(),
});
process.stdout.write(
  `Citadel listening on ${stack.url} (store: ${store}), the console at ${stack.url}/; Ctrl-C stops it\n`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
