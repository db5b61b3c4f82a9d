import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";
import { answers, blockAfter } from "../support/readme.js";

// The README's session, run as written against the local stack `npm start` runs (its port aside).
const sessionScript = blockAfter("## A session", "sh");
const placementExample = blockAfter("The placement answers", "json");
const unschedulableExample = blockAfter("and the one that does not fit", "json");
const candidatesExample = blockAfter("and the candidates for the web server", "json");

let stack: LocalStack;
let lines: unknown[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ store: "dynamodb", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5 });
  lines = await answers(sessionScript, stack);
});

afterAll(async () => {
  await stack?.stop();
});

describe("the README's session", () => {
  it("registers both hosts", () => {
    expect(lines[0]).toMatchObject({ id: "docker-1", status: "ready", total_cpus: 4 });
    expect(lines[1]).toMatchObject({ id: "docker-2", status: "ready", total_cpus: 2 });
  });

  it("places the seed's container with the answer the README shows, ids and times aside", () => {
    const example = JSON.parse(placementExample ?? "{}");
    const answer = lines[2] as typeof example;
    expect(answer.container).toEqual(example.container);
    expect(answer.resource).toEqual(example.resource);
    const { id: _id, created_at: _created, ...rest } = example.placement;
    expect(answer.placement).toMatchObject(rest);
  });

  it("places the batch job in zone b, and says why the big one fits nowhere, as shown", () => {
    expect(lines[3]).toMatchObject({ resource: { id: "docker-2" }, placement: { scheduler: "batch" } });
    expect(lines[4]).toEqual(JSON.parse(unschedulableExample ?? "{}"));
  });

  it("lists the hosts and the cluster, then releases the placement", () => {
    expect((lines[5] as { hosts: unknown[] }).hosts).toHaveLength(2);
    expect(lines[6]).toMatchObject({ placements: 2, reserved_cpus: 1.2 });
    expect(lines[7]).toBe(204);
  });

  it("ranks the candidates for the web server as shown, their hosts' views shortened there", () => {
    expect(lines[8]).toMatchObject(JSON.parse(candidatesExample ?? "{}"));
    expect(lines).toHaveLength(9);
  });
});

describe("the README's constraints session", () => {
  let rules: LocalStack;
  let answered: unknown[] = [];

  beforeAll(async () => {
    rules = await localStackOnFreshTables();
    answered = await answers(blockAfter("**Distinct hosts.**", "sh"), rules);
  });

  afterAll(async () => {
    await rules?.stop();
  });

  it("places each replica in Europe on a host of its own, and says why the third fits nowhere, as shown", () => {
    expect(answered.slice(0, 3)).toMatchObject([{ id: "eu-1" }, { id: "eu-2" }, { id: "us-1" }]);
    const replicas = answered.slice(3, 5) as { resource: { id: string }; container: unknown }[];
    expect(replicas.map((replica) => replica.resource.id).sort()).toEqual(["eu-1", "eu-2"]);
    expect(replicas[0]?.container).toMatchObject({ constraints: ["zone=~eu-.*"], distinct_hosts: true });
    expect(answered[5]).toEqual(JSON.parse(blockAfter("**Distinct hosts.**", "json")));
  });

  it("places the cache in the set's zone and the backup on the host it names", () => {
    expect(answered.slice(6)).toMatchObject([{ resource: { id: "us-1" } }, { resource: { id: "eu-2" } }]);
    expect(answered).toHaveLength(8);
  });
});
