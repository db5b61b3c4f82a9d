import { seededRandom } from "../support/random.js";
import type { Operation } from "./checker.js";
import type { ApiClient } from "./client.js";

export interface WorkloadOptions {
  /** Operations in all, placements and releases. */
  operations: number;
  /** Concurrent workers. */
  workers: number;
  seed: number;
  /** Share of placement requests sent with an Idempotency-Key. */
  keyedShare: number;
  /** Share of operations that are placements (the rest release one of the worker's placements). */
  placeShare: number;
  /** Share of releases sent twice at once, as two clients releasing one placement would. */
  releaseTwice?: number;
  /** Hosts an operator keeps resizing (totals down and up) while the workload runs, racing its commits. */
  resized?: readonly string[];
}

/** What a run did, for the report. */
export interface Figures {
  operations: number;
  placements: number;
  admitted: number;
  unschedulable: number;
  contention: number;
  releases: number;
  /** Releases sent twice at once. */
  releasedTwice: number;
  /** Host resizes tried, and of them refused (the new total below what was reserved). */
  resizes: number;
  resizesRefused: number;
  commits: number;
  conflicts: number;
  retries: number;
  seconds: number;
}

const IMAGES = ["redis:7", "nginx:1.27", "example/api:3", "example/worker:9", "postgres:16"];
const CPUS = ["0.1", "0.25", "0.5", "1", 2];
const MEMORY = [128, 256, 512, 1024, 2048];

/** An empty tally. */
export function noFigures(): Figures {
  return {
    operations: 0,
    placements: 0,
    admitted: 0,
    unschedulable: 0,
    contention: 0,
    releases: 0,
    releasedTwice: 0,
    resizes: 0,
    resizesRefused: 0,
    commits: 0,
    conflicts: 0,
    retries: 0,
    seconds: 0,
  };
}

/**
 * Host ports of the stream: a static one of two (so requests race for each host's 8080 and 8081), a
 * dynamic one from the host's range, or none.
 */
const PORTS = [
  [{ container: 80, host: 8080 }],
  [{ container: 80, host: 8081 }],
  [{ container: 9100 }],
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
];

/** GPUs of the stream: shares that fill a device in twos and threes, a whole device, or none. */
const GPUS = [
  0.5,
  0.3,
  1,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
];

/** One random placement request of the mixed stream. */
export function randomContainer(random: () => number): Record<string, unknown> {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const ports = pick(PORTS);
  const gpus = pick(GPUS);
  return {
    image: pick(IMAGES),
    cpus: pick(CPUS),
    memory: pick(MEMORY),
    type: random() < 0.5 ? "service" : "batch",
    ...(ports && { ports }),
    ...(gpus !== undefined && { gpus }),
  };
}

/** Releases until the API says 204: a 503 (the store was unavailable) may or may not have released. */
export async function releaseUntilDone(client: ApiClient, placementId: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const status = await client.release(placementId);
    if (status !== 503) return status;
  }
  throw new Error(`placement ${placementId} could not be released in 50 attempts`);
}

/** Totals an operator sets: a host shrinks below what it may hold, and grows back. */
const TOTALS = [
  { total_cpus: 2, total_memory: 4096 },
  { total_cpus: 3, total_memory: 6144 },
  { total_cpus: 4, total_memory: 8192 },
];

/** Resizes random hosts of `ids` one after another until `done()`; a refusal (409) is a right answer. */
async function resizeWhile(
  client: ApiClient,
  ids: readonly string[],
  random: () => number,
  record: { history: Operation[]; figures: Figures },
  done: () => boolean,
): Promise<void> {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  while (!done()) {
    const resize = await client.resize(pick(ids), pick(TOTALS));
    record.history.push(resize);
    record.figures.resizes++;
    if (resize.status === 409) record.figures.resizesRefused++;
    else if (resize.status !== 200 && resize.status !== 503) {
      throw new Error(`unexpected answer ${resize.status} to a resize`);
    }
  }
}

/** Records one placement answer in the history and the tally. */
export function recordPlacement(
  history: Operation[],
  figures: Figures,
  key: string | undefined,
  answer: { status: number; placementId?: string; attempts: number; conflicts: number },
): void {
  history.push({
    op: "place",
    status: answer.status,
    ...(key && { key }),
    ...(answer.placementId && { placementId: answer.placementId }),
  });
  figures.operations++;
  figures.placements++;
  figures.commits += answer.attempts;
  figures.conflicts += answer.conflicts;
  figures.retries += Math.max(0, answer.attempts - 1);
  if (answer.status === 201) figures.admitted++;
  else if (answer.status === 409) figures.unschedulable++;
  else if (answer.status === 503) figures.contention++;
  else throw new Error(`unexpected answer ${answer.status} to a valid placement request`);
}

/**
 * Workers issue a mixed stream of service and batch placements and releases until `operations` are
 * done; the cluster saturates and stays saturated. With `resized`, an operator resizes hosts meanwhile.
 * Returns the history of what each client saw.
 */
export async function runWorkload(
  clients: readonly ApiClient[],
  options: WorkloadOptions,
  onProgress: (done: number) => void = () => {},
): Promise<{ history: Operation[]; figures: Figures }> {
  const history: Operation[] = [];
  const figures = noFigures();
  let issued = 0;
  const started = performance.now();
  const operator = clients[0];
  const resizing =
    options.resized && operator
      ? resizeWhile(
          operator,
          options.resized,
          seededRandom(options.seed),
          { history, figures },
          () => issued >= options.operations,
        )
      : undefined;
  await Promise.all(
    clients.map(async (client, worker) => {
      const random = seededRandom(options.seed * 1000 + worker);
      const mine: string[] = [];
      let sequence = 0;
      while (issued < options.operations) {
        issued++;
        if (mine.length > 0 && random() >= options.placeShare) {
          const index = Math.floor(random() * mine.length);
          const [placementId] = mine.splice(index, 1);
          if (placementId === undefined) continue;
          const copies = random() < (options.releaseTwice ?? 0) ? 2 : 1;
          const statuses = await Promise.all(
            Array.from({ length: copies }, () => releaseUntilDone(client, placementId)),
          );
          for (const status of statuses) history.push({ op: "release", placementId, status });
          figures.operations++;
          figures.releases++;
          if (copies === 2) figures.releasedTwice++;
        } else {
          const key = random() < options.keyedShare ? `s${options.seed}-w${worker}-${sequence++}` : undefined;
          const answer = await client.place(randomContainer(random), key);
          recordPlacement(history, figures, key, answer);
          if (answer.placementId) mine.push(answer.placementId);
        }
        onProgress(figures.operations);
      }
    }),
  );
  await resizing;
  figures.seconds = (performance.now() - started) / 1000;
  return { history, figures };
}

/** Releases every placement the history says is live, through the API. */
export async function releaseEverything(client: ApiClient, history: Operation[]): Promise<void> {
  const live = new Set<string>();
  for (const entry of history) {
    if (entry.op === "place" && entry.status === 201 && entry.placementId) live.add(entry.placementId);
    if (entry.op === "release" && entry.status === 204) live.delete(entry.placementId);
  }
  for (const placementId of live) {
    history.push({ op: "release", placementId, status: await releaseUntilDone(client, placementId) });
  }
}
