import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** A running `citadel console`: the URL it printed, and how to stop it. */
export interface ConsoleCommand {
  url: string;
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL("../../bin/citadel.mjs", import.meta.url));
const PRINTED = /^Citadel console on (http:\/\/127\.0\.0\.1:\d+)\/ for /m;

/**
 * Starts `citadel <args>` (which should be a `console` command) as the package's bin runs it, with `env`
 * and none of the caller's CITADEL_ or AWS_ variables, and answers once it has printed where it
 * listens; it fails if the command ends or says nothing of it within 30 s.
 */
export async function startConsoleCommand(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ConsoleCommand> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("CITADEL_") && !name.startsWith("AWS_")),
  );
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, ...env }, stdio: "pipe" });
  const exited = once(child, "exit");
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`citadel console said nothing in 30 s: ${output}`)),
      30_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const printed = PRINTED.exec(output);
      if (printed?.[1]) {
        clearTimeout(timer);
        resolve(printed[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`citadel console ended (exit code ${code}): ${output}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
