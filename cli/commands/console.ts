import type { Command } from "commander";
import { buildConsole } from "../../shared/local/console-files.js";
import { act, write } from "../context.js";
import { port } from "../flags.js";
import { serveConsole } from "../proxy.js";

/** `console`: the web console on 127.0.0.1, its API calls forwarded to the endpoint with the caller's credentials. */
export function consoleCommand(program: Command): void {
  program
    .command("console")
    .description(
      "serve the web console on 127.0.0.1, forwarding its API calls to --endpoint signed with your credentials",
    )
    .option("--port <n>", "the local port (0: any free one)", port, 8001)
    .action(
      act(async (context, options: { port: number }) => {
        const server = await serveConsole(context.client, await buildConsole(), options.port);
        const { origin, pathname } = context.client.endpoint;
        // Runs until interrupted (Ctrl-C): the open server keeps the process alive.
        write(
          `Citadel console on ${server.url}/ for ${origin}${pathname.replace(/\/$/, "")}; Ctrl-C stops it`,
        );
      }),
    );
}
