// `npm run mutate`: one DynamoDB Local for every Stryker worker, then Stryker with the arguments given.
// A worker that Stryker restarts after a mutant timed out (an endless loop, say) then starts in a
// second, instead of waiting for a JVM of its own.
import { spawn } from "node:child_process";
import { startDynamoDbLocal } from "../../shared/local/dynamodb-local.js";
import { MUTATION_DYNAMODB } from "./mutation-setup.js";

const database = await startDynamoDbLocal();
const stryker = spawn("npx", ["stryker", "run", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, [MUTATION_DYNAMODB]: database.endpoint },
});
const code = await new Promise<number>((resolve) => stryker.on("exit", (exit) => resolve(exit ?? 1)));
await database.stop();
process.exit(code);
