import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** One file of the console: its media type and its bytes. */
export interface ConsoleFile {
  type: string;
  body: Buffer;
}

/** The console's files by the path they are served at (`/`, `/console.js`, `/console.css`). */
export type ConsoleFiles = ReadonlyMap<string, ConsoleFile>;

/** The folder of the console's browser code. */
const SOURCE = new URL("../../console/", import.meta.url);

/**
 * What the console's page may load: its own script and stylesheet and calls to its own origin, nothing
 * from elsewhere (it works offline, and an injected script or a framing page gets nothing).
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/**
 * Builds the console: `console/main.ts` and `console/style.css` bundled and minified by esbuild, in
 * memory (nothing is written), beside `console/index.html`. Takes about a tenth of a second; esbuild
 * is loaded only here, so that the commands that do not serve the console never load it.
 */
export async function buildConsole(): Promise<ConsoleFiles> {
  const { build } = await import("esbuild");
  const source = (name: string) => fileURLToPath(new URL(name, SOURCE));
  const built = await build({
    entryPoints: { console: source("main.ts"), style: source("style.css") },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir: "/console",
    tsconfig: source("tsconfig.json"),
    logLevel: "silent",
  });
  const output = (path: string) => {
    const file = built.outputFiles.find((candidate) => candidate.path === path);
    if (!file) throw new Error(`esbuild did not write ${path}`);
    return Buffer.from(file.contents);
  };
  return new Map([
    ["/", { type: "text/html; charset=utf-8", body: await readFile(new URL("index.html", SOURCE)) }],
    ["/console.js", { type: "text/javascript; charset=utf-8", body: output("/console/console.js") }],
    ["/console.css", { type: "text/css; charset=utf-8", body: output("/console/style.css") }],
  ]);
}

/** The console's size in bytes: as served, and gzipped (as a proxy or CDN in front would send it). */
export function consoleSize(files: ConsoleFiles): { bytes: number; gzipped: number } {
  let bytes = 0;
  let gzipped = 0;
  for (const { body } of files.values()) {
    bytes += body.length;
    gzipped += gzipSync(body).length;
  }
  return { bytes, gzipped };
}

/**
 * Answers a GET or HEAD of one of the console's files, and says whether it did; any other request is
 * left to the caller (the API, or the console's proxy).
 */
export function serveConsoleFile(files: ConsoleFiles, request: IncomingMessage, response: ServerResponse) {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const file = files.get(new URL(request.url ?? "/", "http://localhost").pathname);
  if (!file) return false;
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": file.type,
    "content-length": String(file.body.length),
  });
  response.end(request.method === "GET" ? file.body : undefined);
  return true;
}
