import { CommanderError } from "commander";
import { type GlobalOptions, write } from "./context.js";
import { ApiError, EXIT, UsageError } from "./exit.js";
import { citadel } from "./program.js";
import { problemText } from "./views.js";

/** `citadel …`: runs the command, and sets the exit code of its outcome; never prints a stack trace. */
const program = citadel();
try {
  await program.parseAsync();
} catch (error) {
  process.exitCode = reported(error, program.opts<GlobalOptions>().json === true);
}

/** Prints what failed (the API's error body too, with --json) and answers the exit code it means. */
function reported(error: unknown, json: boolean): number {
  // Commander has printed its own message (or the help, asked for with --help: code 0).
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ApiError) {
    if (json) write(JSON.stringify(error.body, null, 2));
    process.stderr.write(`${problemText(error)}\n`);
    return error.exitCode;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return error instanceof UsageError ? EXIT.usage : EXIT.error;
}
