import type { Command } from "commander";
import { act, show, showAnswer, write } from "../context.js";
import { wholeNumber } from "../flags.js";
import { allPages } from "../paging.js";
import { type RequestOptions, requestBody, withRequestFlags } from "../request-flags.js";
import {
  type CandidatesBody,
  candidatesTable,
  type PlacementBody,
  placementFields,
  placementsTable,
} from "../views.js";

interface PlaceOptions extends RequestOptions {
  idempotencyKey?: string;
}

/**
 * `place`, `candidates`, `get`, `release` and `placements`: placing containers, asking where they
 * would go, reading and releasing placements.
 */
export function placementCommands(program: Command): void {
  withRequestFlags(
    program
      .command("place")
      .description(
        "place a container: the scheduler of its type picks a host (exit 3 when none can take it)",
      ),
  )
    .option("--idempotency-key <key>", "the same key and request place once, for 24 hours")
    .action(
      act(async (context, command: string[], options: PlaceOptions) => {
        const call = {
          method: "POST" as const,
          path: "/v1/placements",
          body: requestBody(command, options),
          ...(options.idempotencyKey !== undefined && {
            headers: { "idempotency-key": options.idempotencyKey },
          }),
        };
        await showAnswer<PlacementBody>(context, call, placementFields);
      }),
    );

  withRequestFlags(
    program
      .command("candidates")
      .description(
        "rank every host that could take a container, and say why the others cannot; reserves nothing (exit 3 when none can)",
      ),
  )
    .option("--limit <n>", "at most this many hosts, the best (1-100, the API's default 10)", wholeNumber)
    .action(
      act(async (context, command: string[], options: RequestOptions & { limit?: number }) => {
        const call = {
          method: "POST" as const,
          path: "/v1/candidates",
          query: { limit: options.limit?.toString() },
          body: requestBody(command, options),
        };
        await showAnswer<CandidatesBody>(context, call, candidatesTable);
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
