import type { Command } from "commander";
import { authorization, type ConnectionOptions } from "./auth.js";
import { type Call, Client } from "./client.js";
import { UsageError } from "./exit.js";

/** The flags every command takes. */
export interface GlobalOptions extends ConnectionOptions {
  json?: boolean;
}

/** What a command runs with: the API's client, and whether to print JSON. */
export interface Context {
  client: Client;
  json: boolean;
}

/** The context of the global flags; an endpoint that is no HTTP(S) URL is a UsageError. */
export function contextOf(options: GlobalOptions): Context {
  let url: URL | undefined;
  try {
    url = new URL(options.endpoint);
  } catch {
    // Said below.
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new UsageError(`--endpoint must be an http or https URL, got ${JSON.stringify(options.endpoint)}`);
  }
  return { client: new Client(url, authorization(url, options)), json: options.json === true };
}

/**
 * A commander action: `run` gets the context of the global flags, then the command's arguments and
 * its options (commander passes the command itself last, and it is left out).
 */
export function act<A extends unknown[]>(run: (context: Context, ...args: A) => Promise<void>) {
  return (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    return run(contextOf(command.optsWithGlobals<GlobalOptions>()), ...(args.slice(0, -1) as A));
  };
}

/** Writes `body` as JSON with `--json` (the API's body as it is), and `human(body)` otherwise. */
export function show<T>(context: Context, body: T, human: (body: T) => string): void {
  write(context.json ? JSON.stringify(body, null, 2) : human(body));
}

/** Makes `call`, and shows its answer's body as `show` does. */
export async function showAnswer<T>(context: Context, call: Call, human: (body: T) => string): Promise<void> {
  const body = await context.client.call(call);
  show(context, body as T, human);
}

/** Writes a line to standard output. */
export function write(text: string): void {
  process.stdout.write(`${text}\n`);
}
