import { once } from "node:events";
import { createServer } from "node:net";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { citadel as program } from "../../cli/program.js";
import { MemoryProfileStore } from "../../shared/adapters/memory-profiles.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { serveHandler } from "../../shared/local/http-server.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";
import { freshTables } from "../support/tables.js";
import { citadel, type Run } from "./citadel.js";

// The command line run as a real process against the local stack `npm start` runs (DynamoDB Local).
let stack: LocalStack;
/** `citadel <words>` against the stack (the words split at spaces). */
const run = (words: string): Promise<Run> => citadel(["--endpoint", stack.url, ...words.split(" ")]);
/** The JSON `citadel <words> --json` prints, which must succeed. */
const json = async (words: string) => {
  const result = await run(`${words} --json`);
  expect(result).toMatchObject({ code: 0, stderr: "" });
  return JSON.parse(result.stdout);
};
/** A table's lines, each run of spaces between columns as ` | `: what a row says, whatever the widths. */
const rows = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => line.replace(/ {2,}/g, " | "));

const HOSTS_HEADER = "ID | ADDR | STATUS | CPUS | MEMORY | PLACEMENTS | LABELS | REASON";

beforeAll(async () => {
  stack = await localStackOnFreshTables();
  const added = await Promise.all([
    run("host add 127.0.1.11:2375 --id docker-1 --cpus 4 --memory 8192 --label zone=a"),
    run("host add 127.0.1.12:2375 --id docker-2 --cpus 2 --memory 4096 --label zone=b"),
  ]);
  expect(added.map((result) => result.code)).toEqual([0, 0]);
});

afterAll(async () => {
  await stack?.stop();
});

describe("hosts", () => {
  it("registers a host and prints it as a table row, or the API's body with --json", async () => {
    const added = await run("host add 127.0.1.13:2375 --id spare --cpus 1 --memory 512");
    expect(added.code).toBe(0);
    expect(rows(added.stdout)).toEqual([
      HOSTS_HEADER,
      "spare | 127.0.1.13:2375 | ready | 0/1 | 0/512 | 0 | - | registered",
    ]);
    const body = await json("host add 127.0.1.14:2375 --tls --label disk=ssd --label zone=c");
    expect(body).toMatchObject({
      id: "127-0-1-14-2375",
      tls: true,
      labels: { disk: "ssd", zone: "c" },
      total_cpus: null,
    });
    expect(await run("host rm spare")).toMatchObject({ code: 0, stdout: "removed spare\n" });
    expect(await run("host rm 127-0-1-14-2375 --json")).toMatchObject({ code: 0, stdout: "" });
  });

  it("lists every host, following next from page to page", async () => {
    const listed = await run("hosts --limit 1");
    expect(listed.code).toBe(0);
    const [header, ...hosts] = rows(listed.stdout);
    expect(header).toBe(HOSTS_HEADER);
    // In the store's order.
    expect(hosts.sort()).toEqual([
      "docker-1 | 127.0.1.11:2375 | ready | 0/4 | 0/8192 | 0 | zone=a | registered",
      "docker-2 | 127.0.1.12:2375 | ready | 0/2 | 0/4096 | 0 | zone=b | registered",
    ]);
    const body = await json("hosts --limit 1");
    expect(body.next).toBeNull();
    expect(body.hosts.map((host: { id: string }) => host.id).sort()).toEqual(["docker-1", "docker-2"]);
  });

  it("shows one host with its events, drains and undrains it", async () => {
    const shown = await run("host show docker-2");
    expect(rows(shown.stdout)).toEqual(
      expect.arrayContaining([
        "ADDR | 127.0.1.12:2375",
        "CPUS | 0 reserved of 2 (declared 2)",
        "HEALTH | 0 failed probes; last probe never",
        "AT | EVENT | DETAIL",
        expect.stringMatching(/ \| registered \| added through the API$/),
      ]),
    );
    expect(rows((await run("host drain docker-2")).stdout)[1]).toContain(" | draining | ");
    expect((await json("host show docker-2")).status).toBe("draining");
    expect(rows((await run("host undrain docker-2")).stdout)[1]).toContain(" | ready | ");
  });

  it("says why a host is not removed while it has placements, and removes it with --force", async () => {
    await run("host add 127.0.1.15:2375 --id busy --cpus 1 --memory 512 --label zone=z");
    expect(
      (await run("place --image redis:7 --cpus 1 --memory 512 --type batch --constraint zone==z")).code,
    ).toBe(0);
    const refused = await run("host rm busy");
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toMatch(/^error: .*busy.* placement/);
    expect(await run("host rm busy --force")).toMatchObject({ code: 0, stdout: "removed busy\n" });
  });
});

describe("candidates", () => {
  const web = "candidates --image team/web:1 --cpus 1 --memory 1024 --type service";

  it("ranks the hosts that can take a container, with each rule's score and what is free, reserving nothing", async () => {
    const before = await json("cluster");
    const ranked = await run(web);
    expect(ranked).toMatchObject({ code: 0, stderr: "" });
    expect(rows(ranked.stdout)).toEqual([
      "RANK | HOST | ADDR | SCORE | REPLICAS | LEAST-ALLOCATED | FREE CPUS | FREE MEMORY",
      "1 | docker-1 | 127.0.1.11:2375 | 128.8125 | 128 | 0.8125 | 4 | 8192",
      "2 | docker-2 | 127.0.1.12:2375 | 128.625 | 128 | 0.625 | 2 | 4096",
      "",
      "2 of 2 hosts can take it.",
    ]);
    expect(rows((await run(`${web} --limit 1`)).stdout).slice(1)).toEqual([
      "1 | docker-1 | 127.0.1.11:2375 | 128.8125 | 128 | 0.8125 | 4 | 8192",
      "",
      "2 of 2 hosts can take it, the best 1 shown.",
    ]);
    const body = await json(`${web} --limit 1`);
    expect(Object.keys(body)).toEqual(["hosts", "candidates", "infeasible"]);
    expect(body.candidates[0]).toMatchObject({
      host: { id: "docker-1" },
      scores: { replicas: 128, "least-allocated": 0.8125 },
    });
    expect(await json("cluster")).toEqual(before);
  });

  it("says why the other hosts cannot take it, with their counts", async () => {
    const ranked = await run("candidates --image team/batch:1 --cpus 3 --memory 64 --type batch");
    expect(rows(ranked.stdout)).toEqual([
      // Empty (in-use 0), best-fit 0.25 + (1 − (3/4 + 64/8192) / 2) / 4 at 0.004; no host has GPUs, so
      // GPU fragmentation and the cpu reserve are left out.
      "RANK | HOST | ADDR | SCORE | IN-USE | GPU-FRAGMENTATION | BEST-FIT | CPU-RESERVE | FREE CPUS | FREE MEMORY",
      "1 | docker-1 | 127.0.1.11:2375 | 0.001621 | 0 | 0 | 0.001621 | 0 | 4 | 8192",
      "",
      "1 of 2 hosts can take it. Why the others cannot:",
      "REASON | HOSTS",
      "insufficient cpu | 1",
    ]);
  });

  it("exits 3 when no host can, as place does, and 2 for a limit the API does not take", async () => {
    const refused = await run(`${web} --cpus 16`);
    expect(refused).toMatchObject({ code: 3, stdout: "" });
    expect(rows(refused.stderr)).toEqual([
      "error: 0/2 hosts are available: 2 insufficient cpu.",
      "REASON | HOSTS",
      "insufficient cpu | 2",
    ]);
    const scripted = await run(`${web} --cpus 16 --json`);
    expect(scripted.code).toBe(3);
    expect(JSON.parse(scripted.stdout)).toMatchObject({ error: "unschedulable", hosts: 2 });
    const limits = await Promise.all([
      run(`${web} --limit 0`),
      run(`${web} --limit 101`),
      run(`${web} --limit x`),
    ]);
    expect(limits.map((result) => [result.code, result.stderr.split("\n")[0]])).toEqual([
      [2, "error: limit: must be an integer from 1 to 100"],
      [2, "error: limit: must be an integer from 1 to 100"],
      [2, "error: option '--limit <n>' argument 'x' is invalid. give a whole number"],
    ]);
  });

  it("takes place's request flags, and sends the same body", async () => {
    const flags = (name: string) =>
      program()
        .commands.find((command) => command.name() === name)
        ?.options.map((option) => option.flags);
    expect(flags("candidates")).toEqual([...(flags("place") ?? []).slice(0, -1), "--limit <n>"]);
    expect(flags("place")?.at(-1)).toBe("--idempotency-key <key>");
  });
});

describe("placements", () => {
  const report = "place --image example/report:1.4 --cpus 1 --memory 1024 --type batch --constraint zone==b";

  it("places a container and prints where, or the API's 201 body with --json", async () => {
    const placed = await run("place --image crosbymichael/redis --cpus 0.2 --memory 512 --type service");
    expect(placed.code).toBe(0);
    expect(rows(placed.stdout)).toEqual(
      expect.arrayContaining([
        "HOST | docker-1 (127.0.1.11:2375)",
        "IMAGE | crosbymichael/redis",
        "TYPE | service",
        "CPUS | 0.2",
        "MEMORY | 512 MiB",
      ]),
    );
    const body = await json(`${report} --label team=data --idempotency-key nightly-1`);
    expect(body.container).toEqual({
      image: "example/report:1.4",
      cpus: "1",
      memory: 1024,
      type: "batch",
      constraints: ["zone==b"],
      labels: { team: "data" },
    });
    expect(body.resource.id).toBe("docker-2");
    // The same key and request: the first answer again, reserved once; another body: refused.
    expect((await json(`${report} --label team=data --idempotency-key nightly-1`)).placement.id).toBe(
      body.placement.id,
    );
    const reused = await run(`${report} --idempotency-key nightly-1`);
    expect(reused).toMatchObject({ code: 1, stdout: "" });
    expect(reused.stderr).toMatch(/^error: .*Idempotency-Key/i);
  });

  it("exits 3 for what fits nowhere, printing the API's message and its reasons", async () => {
    const big = "place --image example/big:1 --cpus 16 --memory 1024 --type batch";
    const refused = await run(big);
    expect(refused).toMatchObject({ code: 3, stdout: "" });
    expect(rows(refused.stderr)).toEqual([
      "error: 0/2 hosts are available: 2 insufficient cpu.",
      "REASON | HOSTS",
      "insufficient cpu | 2",
    ]);
    const scripted = await run(`${big} --json`);
    expect(scripted.code).toBe(3);
    expect(JSON.parse(scripted.stdout)).toEqual({
      error: "unschedulable",
      message: "0/2 hosts are available: 2 insufficient cpu.",
      hosts: 2,
      reasons: { "insufficient cpu": 2 },
    });
  });

  it("lists a host's placements through every page, gets one, and releases it", async () => {
    const small = "place --image example/page:1 --cpus 0.1 --memory 64 --type batch --constraint zone==a";
    const placed = await Promise.all([run(small), run(small), run(small)]);
    expect(placed.map((result) => result.code)).toEqual([0, 0, 0]);
    const listed = await run("placements --host docker-1 --limit 1");
    expect(listed.code).toBe(0);
    const [header, ...lines] = rows(listed.stdout);
    expect(header).toBe("ID | HOST | IMAGE | TYPE | CPUS | MEMORY | CREATED");
    expect(
      lines.filter((line) => line.includes(" | docker-1 | example/page:1 | batch | 0.1 | 64 | ")),
    ).toHaveLength(3);
    expect(lines).toHaveLength(4);
    const body = await json("placements --host docker-1 --limit 1");
    expect(body.next).toBeNull();
    expect(body.placements).toHaveLength(4);
    // Every host's: docker-1's four and docker-2's report, two a page.
    expect((await json("placements --limit 2")).placements).toHaveLength(5);

    const id: string = body.placements[0].placement.id;
    expect(rows((await run(`get ${id}`)).stdout)).toContain(`ID | ${id}`);
    expect(await run(`release ${id}`)).toMatchObject({ code: 0, stdout: `released ${id}\n` });
    expect(await run(`release ${id} --json`)).toMatchObject({ code: 0, stdout: "" });
    expect(await run(`get ${id}`)).toMatchObject({
      code: 1,
      stdout: "",
      stderr: `error: no live placement "${id}"\n`,
    });
  });

  it("passes each constraint form as written, and --distinct-hosts as distinct_hosts", async () => {
    const help = (await run("place --help")).stdout.replace(/\s+/g, " ");
    const forms = ["key=~regex", "'key in (a,b)'", "'key not in (a,b)'", "host==ID", "--distinct-hosts"];
    for (const form of forms) expect(help).toContain(form);
    // Each flag's value one argument, spaces and all, as a shell passes a quoted one.
    const request = "place --image example/unique:1 --cpus 0.1 --memory 64 --type service --json".split(" ");
    const place = (...flags: string[]) => citadel(["--endpoint", stack.url, ...request, ...flags]);
    const replica = ["--constraint", "zone in (a, b)", "--constraint", "host=~docker-.*", "--distinct-hosts"];
    const placed = [await place(...replica), await place(...replica)];
    expect(placed.map((result) => result.code)).toEqual([0, 0]);
    const bodies = placed.map((result) => JSON.parse(result.stdout));
    expect(bodies[0].container).toMatchObject({
      constraints: ["zone in (a, b)", "host=~docker-.*"],
      distinct_hosts: true,
    });
    expect(bodies.map((body) => body.resource.id).sort()).toEqual(["docker-1", "docker-2"]);
    const third = await place(...replica);
    expect(third.code).toBe(3);
    expect(JSON.parse(third.stdout).reasons).toEqual({ "image already on host (distinct_hosts)": 2 });
    const elsewhere = await place("--constraint", "zone not in (a, b)");
    expect(JSON.parse(elsewhere.stdout).reasons).toEqual({ "constraint zone not in (a,b) not met": 2 });
    const bad = await place("--constraint", "zone=~(a");
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n")[0]).toBe(
      'error: constraints.0: invalid regex "(a": missing closing ): `(a`',
    );
    for (const body of bodies) expect((await run(`release ${body.placement.id}`)).code).toBe(0);
  });

  it("reserves disk and host ports with --disk and --port, on a host added with them", async () => {
    const added = await json(
      "host add 127.0.1.41:2375 --id disky --cpus 2 --memory 1024 --disk 4096 --port-range 30000-30001 --label pool=disky",
    );
    expect(added).toMatchObject({ id: "disky", total_disk: 4096, port_range: "30000-30001" });
    const request =
      "place --image example/ports:1 --cpus 0.1 --memory 64 --type batch --constraint pool==disky --json";
    const placed = await json(`${request} --disk 1024 --port 80:8080 --port 53/udp`);
    expect(placed.container).toMatchObject({
      disk: 1024,
      ports: [
        { container: 80, host: 8080 },
        { container: 53, protocol: "udp" },
      ],
    });
    expect(placed.placement.ports).toEqual([
      { container: 80, host: 8080, protocol: "tcp" },
      { container: 53, host: expect.any(Number), protocol: "udp" },
    ]);
    const taken = await run(`${request} --port 80:8080`);
    expect(taken.code).toBe(3);
    expect(JSON.parse(taken.stdout).reasons).toMatchObject({ "port 8080/tcp taken": 1 });
    const bad = await run(`${request} --port 80:x`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("CONTAINER[:HOST]");
    expect((await run(`release ${placed.placement.id}`)).code).toBe(0);
    expect((await run("host rm disky")).code).toBe(0);
  });

  it("mounts named volumes with --volume, each created where the container lands with :create", async () => {
    expect(
      await json("host add 127.0.1.42:2375 --id volumed --cpus 2 --memory 1024 --label pool=volumed"),
    ).toMatchObject({ id: "volumed", volumes: [] });
    const db = "--image example/db:1 --cpus 0.1 --memory 64 --type batch";
    const request = `place ${db} --constraint pool==volumed`;
    const placed = await json(`${request} --volume dbdata:/var/lib/db:create --volume logs:/logs:create`);
    const volumes = [
      { name: "dbdata", path: "/var/lib/db", create: true },
      { name: "logs", path: "/logs", create: true },
    ];
    expect([placed.container.volumes, placed.placement.volumes]).toEqual([volumes, volumes]);
    // The volumes its placement creates are volumed's from now on: a request naming one goes there.
    const ranked = await json(`candidates ${db} --volume dbdata:/data`);
    expect(ranked.candidates.map((one: { host: { id: string } }) => one.host.id)).toEqual(["volumed"]);
    expect(ranked.infeasible["volume dbdata on another host"]).toBeGreaterThan(0);
    const nowhere = await run(`${request} --volume nothere:/data --json`);
    expect(nowhere.code).toBe(3);
    expect(JSON.parse(nowhere.stdout).reasons).toMatchObject({
      "volume nothere on no host (create: true would create it)": 1,
    });
    const bad = await run(`${request} --volume nopath`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("NAME:PATH[:create]");
    const refused = await run(`${request} --volume bad/name:/data`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("volumes.0.name");
    expect((await run(`release ${placed.placement.id}`)).code).toBe(0);
    expect((await run("host rm volumed")).code).toBe(0);
  });

  it("reserves GPUs with --gpus and --gpu-model, and sends affinities and spread, on a host added with GPUs", async () => {
    const added = await json(
      "host add 127.0.1.42:2375 --id gpus --cpus 2 --memory 1024 --gpus 2 --gpu-model T4 --label pool=gpus --label zone=g",
    );
    expect(added).toMatchObject({ id: "gpus", gpus: { count: 2, model: "T4", shares: [0, 0] } });
    const request =
      "place --image example/gpu:1 --cpus 0.1 --memory 64 --type batch --constraint pool==gpus --json";
    const placed = await json(
      `${request} --gpus 0.5 --gpu-model T4 --gpu-model A100 --affinity 50:zone==g --affinity -10:disk==hdd --spread zone=g:70,h:30`,
    );
    expect(placed.container).toMatchObject({
      gpus: 0.5,
      gpu_models: ["T4", "A100"],
      affinities: [
        { constraint: "zone==g", weight: 50 },
        { constraint: "disk==hdd", weight: -10 },
      ],
      spread: { label: "zone", targets: { g: 70, h: 30 } },
    });
    expect(placed.placement.gpus).toEqual({ devices: ["0"], share: 0.5 });
    const other = await run(`${request} --gpus 1 --gpu-model A100`);
    expect(other.code).toBe(3);
    expect(JSON.parse(other.stdout).reasons).toMatchObject({ "GPU model not in gpu_models": 1 });
    for (const [flag, says] of [
      ["--gpus x", "give a number"],
      ["--affinity zone==g", "WEIGHT:CONSTRAINT"],
      ["--spread zone=g", "LABEL=VALUE:PERCENT"],
    ]) {
      const bad = await run(`${request} ${flag}`);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(says);
    }
    expect((await run(`release ${placed.placement.id}`)).code).toBe(0);
    expect((await run("host rm gpus")).code).toBe(0);
  });
});

describe("the cluster", () => {
  it("shows the hosts by status and what is reserved", async () => {
    const shown = await run("cluster");
    expect(shown.code).toBe(0);
    const { placements, reserved_cpus, reserved_memory } = await json("cluster");
    expect(placements).toBe(4);
    expect(rows(shown.stdout)).toEqual([
      "HOSTS | 2: 2 ready, 0 draining, 0 down",
      "PLACEMENTS | 4",
      `CPUS | ${reserved_cpus} of 6 reserved (${Math.round((reserved_cpus / 6) * 1000) / 10}%)`,
      `MEMORY | ${reserved_memory} of 12288 MiB reserved (${Math.round((reserved_memory / 12288) * 1000) / 10}%)`,
    ]);
  });

  it("shows an image's profile: requested against used, with the verdicts", async () => {
    const profiles = new MemoryProfileStore();
    const sample = {
      image: "team/app:1",
      requested: { cpuMilli: 1000, memory: 512 },
      used: { cpuMilli: 200, memory: 100 },
    };
    await profiles.record("team/app:1", Array(5).fill(sample), new Date("2026-11-25T12:00:00Z"));
    const { api } = inProcessApi(new MemoryRegistry(), { snapshotMaxAgeMs: 2000, maxAttempts: 5, profiles });
    const server = await serveHandler(api, 0);
    try {
      const { port } = server.address() as { port: number };
      const shown = await citadel(["--endpoint", `http://127.0.0.1:${port}`, "profile", "team/app:1"]);
      expect(shown).toMatchObject({ code: 0, stderr: "" });
      expect(rows(shown.stdout)).toEqual([
        "IMAGE | team/app:1",
        "SAMPLES | 5",
        "UPDATED | 2026-11-25T12:00:00.000Z",
        "",
        "RESOURCE | REQUESTED | USED MEAN | USED P95 | USED MAX | VERDICT",
        "cpus | 1 | 0.2 | 0.2 | 0.2 | oversized",
        "memory (MiB) | 512 | 100 | 100 | 100 | oversized",
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("says when an image has no profile yet", async () => {
    expect(await run("profile team/app:1")).toMatchObject({
      code: 1,
      stderr: "error: no container of team/app:1 has been observed running yet\n",
    });
  });
});

describe("usage and failures", () => {
  it("exits 2, saying what is wrong, for what the command line or the API's 400 does not take", async () => {
    const results = await Promise.all(
      [
        "place --image redis:7 --cpus 1 --memory 64",
        "place --image redis:7 --cpus 1 --memory 1.5 --type batch",
        "host add 127.0.1.16:2375 --label zone",
        "nonsense",
        "place --image redis:7 --cpus lots --memory 64 --type batch",
        "hosts --endpoint ftp://example",
      ].map(run),
    );
    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(results.map((result) => result.stderr.split("\n")[0])).toEqual([
      "error: required option '--type <type>' not specified",
      "error: option '--memory <MiB>' argument '1.5' is invalid. give a whole number",
      "error: option '--label <key=value>' argument 'zone' is invalid. give a label as key=value",
      "error: unknown command 'nonsense'",
      'error: cpus: must be a decimal number of CPUs with at most 3 decimals, like "0.5" or 2',
      'error: --endpoint must be an http or https URL, got "ftp://example"',
    ]);
    // A command of commands alone: its help, as a usage error.
    expect(await run("host")).toMatchObject({ code: 2, stdout: "" });
  });

  it("exits 1 with the reason, and no stack trace, when the API cannot be reached", async () => {
    const closed = new URL(stack.url);
    closed.port = String(await closedPort());
    expect(await citadel(["hosts"], { CITADEL_ENDPOINT: closed.href })).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: cannot reach ${closed.origin}: ECONNREFUSED\n`,
    });
  });

  it("has --help on every command", async () => {
    const commands = (command: Command): Command[] => [command, ...command.commands.flatMap(commands)];
    const all = commands(program());
    expect(all.map((command) => command.name())).toEqual(
      "citadel place candidates get release placements hosts host add show drain undrain rm cluster profile refresh console".split(
        " ",
      ),
    );
    for (const command of all) {
      expect(command.description(), command.name()).not.toBe("");
      expect(command.helpInformation(), command.name()).toContain("-h, --help");
    }
    const help = await run("host drain --help");
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^Usage: citadel host drain \[options\] <id>\n\nstop placing on a host/);
  });
});

describe("refresh, and retrying later", () => {
  it("refreshes every host now and prints each one's result; runs a container (on the memory store)", async () => {
    const memory = await startLocalStack({
      store: "memory",
      port: 0,
      snapshotMaxAgeMs: 2000,
      maxAttempts: 5,
    });
    try {
      const on = (words: string) => citadel(["--endpoint", memory.url, ...words.split(" ")]);
      expect(
        (await on(`host add 127.0.0.1:${await closedPort()} --id nobody --cpus 1 --memory 512`)).code,
      ).toBe(0);
      const refreshed = await on("refresh");
      expect(refreshed).toMatchObject({ code: 0, stderr: "" });
      expect(rows(refreshed.stdout)).toEqual([
        expect.stringMatching(
          /^1 hosts in \d+ ms: 0 answered, 0 down, 0 placements released, 0 skipped; 1 shards, 0 dispatched, 0 failed$/,
        ),
        "",
        "HOST | STATUS | OK | RELEASED | MS | ERROR",
        expect.stringMatching(/^nobody \| ready \| no \| 0 \| \d+ \| refused$/),
      ]);
      // A command is sent after --; with --run, Citadel starts the container, and says where it could not.
      const sent = await on(
        "place --image redis:7 --cpus 0.1 --memory 64 --type batch --json -- redis-server --save 60",
      );
      expect(JSON.parse(sent.stdout).container.command).toEqual(["redis-server", "--save", "60"]);
      const started = await on(
        "place --image redis:7 --cpus 0.1 --memory 64 --type batch --run -- redis-server",
      );
      expect(started).toMatchObject({ code: 1, stdout: "" });
      expect(rows(started.stderr)).toEqual([
        expect.stringMatching(
          /^error: the container did not start on the 1 host\(s\) tried .*; nothing is reserved$/,
        ),
        "HOST | NOT STARTED",
        "nobody | refused",
      ]);
    } finally {
      await memory.stop();
    }
  });

  it("exits 4, saying when to retry, when the API answers 503 (its store unreachable)", async () => {
    const tables = await freshTables(inject("dynamodbEndpoint"));
    const outage = await startLocalStack({
      store: "dynamodb",
      database: { endpoint: `http://127.0.0.1:${await closedPort()}`, tables },
      port: 0,
      snapshotMaxAgeMs: 2000,
      maxAttempts: 5,
    });
    try {
      const result = await citadel(["--endpoint", outage.url, "hosts"]);
      expect(result).toMatchObject({ code: 4, stdout: "" });
      expect(result.stderr).toMatch(/^error: .+\nretry after 1 s\n$/);
    } finally {
      await outage.stop();
    }
  });
});

/** A loopback port nothing listens on: one just listened on, and closed. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
