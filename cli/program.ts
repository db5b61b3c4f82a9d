import { Command, Option } from "commander";
import { clusterCommands } from "./commands/cluster.js";
import { consoleCommand } from "./commands/console.js";
import { hostCommands } from "./commands/hosts.js";
import { placementCommands } from "./commands/placements.js";

const AFTER_HELP = `
Exit codes: 0 done; 1 error (the API's message printed); 2 usage (a command, flag or value not taken,
here or by the API's 400); 3 unschedulable (no host can take the container); 4 retry later
(contention, an outage, a refresh running, throttling).

Against a deployed stack, requests are signed with SigV4 (service execute-api) using the AWS SDK's
default credentials (environment, profiles, SSO), or carry the JWT of --token.`;

/** The `citadel` command line: global flags, every command, and errors thrown rather than exiting. */
export function citadel(): Command {
  const program = new Command("citadel")
    .description("Place containers on Citadel's Docker hosts, and look after the hosts.")
    .addOption(
      new Option("--endpoint <url>", "the API's URL")
        .env("CITADEL_ENDPOINT")
        .default("http://127.0.0.1:3000"),
    )
    .addOption(
      new Option("--token <jwt>", "a JWT to send as bearer token (stacks with JWT auth)").env(
        "CITADEL_TOKEN",
      ),
    )
    .option("--sigv4", "sign requests with AWS SigV4 (the default for https endpoints)")
    .option("--region <region>", "the AWS region to sign for (implies --sigv4; by default the endpoint's)")
    .option("--json", "print the API's JSON bodies as they are")
    .addHelpText("after", AFTER_HELP)
    // Subcommands created from here on inherit both.
    .exitOverride()
    .showHelpAfterError("(add --help for usage)");
  placementCommands(program);
  hostCommands(program);
  clusterCommands(program);
  consoleCommand(program);
  return program;
}
