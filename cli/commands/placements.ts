import type { Command } from "commander";
import { act, show, showAnswer, write } from "../context.js";
import { collect, label, wholeNumber } from "../flags.js";
import { allPages } from "../paging.js";
import { type PlacementBody, placementFields, placementsTable } from "../views.js";

interface PlaceOptions {
  image: string;
  cpus: string;
  memory: number;
  type: string;
  constraint?: string[];
  label?: Record<string, string>;
  run?: boolean;
  idempotencyKey?: string;
}

/** `place`, `get`, `release` and `placements`: placing containers, reading and releasing placements. */
export function placementCommands(program: Command): void {
  program
    .command("place")
    .description("place a container: the scheduler of its type picks a host (exit 3 when none can take it)")
    .argument("[command...]", "with --run: the command to start the container with, after --")
    .requiredOption("--image <ref>", "the Docker image, such as redis:7")
    .requiredOption("--cpus <cpus>", "cpus to reserve, up to 3 decimals: 0.2, 2")
    .requiredOption("--memory <MiB>", "memory to reserve, in MiB", wholeNumber)
    .requiredOption("--type <type>", "the scheduler type: service, batch, or a configured one")
    .option("--constraint <expr>", "key==value or key!=value on the host's labels (repeatable)", collect)
    .option("--label <key=value>", "a label stored with the placement (repeatable)", label)
    .option("--run", "Citadel starts the container on the host itself")
    .option("--idempotency-key <key>", "the same key and request place once, for 24 hours")
    .action(
      act(async (context, command: string[], options: PlaceOptions) => {
        const call = {
          method: "POST" as const,
          path: "/v1/placements",
          body: {
            image: options.image,
            cpus: options.cpus,
            memory: options.memory,
            type: options.type,
            ...(options.constraint && { constraints: options.constraint }),
            ...(options.label && { labels: options.label }),
            ...(options.run && { run: true }),
            ...(command.length > 0 && { command }),
          },
          ...(options.idempotencyKey !== undefined && {
            headers: { "idempotency-key": options.idempotencyKey },
          }),
        };
        await showAnswer<PlacementBody>(context, call, placementFields);
      }),
    );

  program
    .command("get")
    .description("show a live placement")
    .argument("<id>", "the placement's id")
    .action(
      act(async (context, id: string) => {
        const call = { method: "GET" as const, path: `/v1/placements/${encodeURIComponent(id)}` };
        await showAnswer<PlacementBody>(context, call, placementFields);
      }),
    );

  program
    .command("release")
    .description("release a placement (releasing one already released is harmless)")
    .argument("<id>", "the placement's id")
    .action(
      act(async (context, id: string) => {
        await context.client.call({ method: "DELETE", path: `/v1/placements/${encodeURIComponent(id)}` });
        // The API answers 204, with no body: --json prints nothing.
        if (!context.json) write(`released ${id}`);
      }),
    );

  program
    .command("placements")
    .description("list the live placements, every page")
    .option("--host <id>", "only the placements of this host")
    .option("--limit <n>", "placements per page asked of the API (1-1000)", wholeNumber)
    .action(
      act(async (context, options: { host?: string; limit?: number }) => {
        const placements = await allPages<PlacementBody>(context.client, "placements", {
          host: options.host,
          limit: options.limit?.toString(),
        });
        show(context, { placements, next: null }, (body) => placementsTable(body.placements));
      }),
    );
}
