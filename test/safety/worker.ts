// A worker process of the SIGKILL scenario: it runs the mixed workload through the API handlers and
// prints, as JSON lines, each operation as it starts and as it finishes, so that the parent knows what
// was in flight when it killed this process.
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { seededRandom } from "../support/random.js";
import { apiClient } from "./client.js";
import type { WorkerLine } from "./scenarios.js";
import { randomContainer, releaseUntilDone } from "./workload.js";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const worker = Number(env("SAFETY_WORKER"));
const seed = Number(env("SAFETY_SEED"));
const operations = Number(env("SAFETY_OPERATIONS"));
const registry = new DynamoDbRegistry(dynamoDbClient(env("CITADEL_DYNAMODB_ENDPOINT")), {
  hosts: env("CITADEL_HOSTS_TABLE"),
  placements: env("CITADEL_PLACEMENTS_TABLE"),
  observations: env("CITADEL_OBSERVATIONS_TABLE"),
  events: env("CITADEL_EVENTS_TABLE"),
  requests: env("CITADEL_REQUESTS_TABLE"),
  profiles: env("CITADEL_PROFILES_TABLE"),
  addresses: env("CITADEL_ADDRESSES_TABLE"),
});
const random = seededRandom(seed * 1000 + worker);
const client = apiClient(registry, { maxAttempts: 5, snapshotMaxAgeMs: 1000, duplicateRate: 0, random });
const print = (line: WorkerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

// Two requests at a time, so a kill finds commits in flight.
const mine: string[] = [];
let next = 0;
async function loop(): Promise<void> {
  while (next < operations) {
    const id = next++;
    if (mine.length > 0 && random() >= 0.4) {
      const [placementId] = mine.splice(Math.floor(random() * mine.length), 1);
      if (placementId === undefined) continue;
      print({ start: { id, op: "release", placementId } });
      const status = await releaseUntilDone(client, placementId);
      print({ done: { id, operation: { op: "release", placementId, status }, attempts: 0, conflicts: 0 } });
    } else {
      const key = `s${seed}-p${worker}-${id}`;
      const container = randomContainer(random);
      print({ start: { id, op: "place", key, container } });
      const answer = await client.place(container, key);
      if (answer.placementId) mine.push(answer.placementId);
      const operation = {
        op: "place" as const,
        key,
        status: answer.status,
        ...(answer.placementId && { placementId: answer.placementId }),
      };
      print({ done: { id, operation, attempts: answer.attempts, conflicts: answer.conflicts } });
    }
  }
}
await Promise.all([loop(), loop()]);
