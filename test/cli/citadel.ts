import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What a run of the command line did. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = fileURLToPath(new URL("../../bin/citadel.mjs", import.meta.url));

/**
 * Runs `citadel …` as the package's bin runs it, in a child process (asynchronously: the server it
 * calls may run in the test's own process), with `env` and none of the caller's CITADEL_ or AWS_
 * variables.
 */
export function citadel(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("CITADEL_") && !name.startsWith("AWS_")),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...inherited, ...env }, encoding: "utf8" },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}
