import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type ConsoleFiles, serveConsoleFile } from "../shared/local/console-files.js";
import { LOOPBACK, OwnAddress } from "../shared/local/own-address.js";
import type { Call, Client } from "./client.js";

/** The console's server listens here only: whoever reaches it acts with its user's credentials. */
/** The API refuses bodies over 64 KiB itself; past this the proxy stops reading and refuses too. */
const MAX_BODY_BYTES = 1024 * 1024;
/** What the browser sends that the API reads; nothing else (cookies, its own authorization) goes on. */
const FORWARDED = ["content-type", "idempotency-key", "x-correlation-id"];
/** What the API answers that the console reads. */
const RETURNED = [
  "content-type",
  "retry-after",
  "x-correlation-id",
  "idempotent-replayed",
  "location",
  "allow",
];
const METHODS = new Set<string>(["GET", "POST", "PATCH", "DELETE"]);

/** A running console server: its URL, and how to stop it. */
export interface ConsoleServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The `kubectl proxy` pattern: serves the console's files on 127.0.0.1 and forwards its `/v1/…` calls
 * to the API through `client` (so signed with SigV4, or carrying the bearer token, as every command's
 * are). As any page the browser has open could send requests here, it answers only requests addressed
 * to its own host name (`127.0.0.1:port` or `localhost:port`: no DNS rebinding) and forwards only the
 * calls of its own page (no `Origin` or `Sec-Fetch-Site` of another site).
 */
export async function serveConsole(
  client: Client,
  files: ConsoleFiles,
  port: number,
): Promise<ConsoleServer> {
  let own: OwnAddress | undefined;
  const server = createServer((request, response) => {
    answer(client, files, own as OwnAddress, request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        problem(response, 502, "bad_gateway", error instanceof Error ? error.message : String(error));
      } else {
        response.destroy();
      }
    });
  });
  server.listen(port, LOOPBACK);
  await once(server, "listening");
  const { port: bound } = server.address() as { port: number };
  own = new OwnAddress(bound);
  return {
    url: `http://${LOOPBACK}:${bound}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function answer(
  client: Client,
  files: ConsoleFiles,
  own: OwnAddress,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!own.addressed(request)) {
    return problem(response, 403, "forbidden_host", "the console answers at 127.0.0.1 or localhost only");
  }
  if (serveConsoleFile(files, request, response)) return;
  const url = new URL(request.url ?? "/", "http://localhost");
  if (!url.pathname.startsWith("/v1/")) {
    return problem(
      response,
      404,
      "not_found",
      "the console's server forwards /v1/… to the API, nothing else",
    );
  }
  if (own.crossSite(request)) {
    return problem(response, 403, "cross_origin", "the console's server forwards its own page's calls only");
  }
  const method = request.method ?? "GET";
  if (!METHODS.has(method)) return problem(response, 405, "method_not_allowed", `${method} is no API method`);
  const body = await readBody(request);
  if (body === undefined) {
    response.shouldKeepAlive = false;
    return problem(response, 413, "payload_too_large", "a body over 1 MiB is not forwarded");
  }
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = request.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const forwarded = await client.send({
    method: method as Call["method"],
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    ...(body.length > 0 && { text: body.toString("utf8") }),
  });
  const returned: Record<string, string> = {};
  for (const name of RETURNED) {
    const value = forwarded.headers.get(name);
    if (value !== null) returned[name] = value;
  }
  const bytes = Buffer.from(await forwarded.arrayBuffer());
  response.writeHead(forwarded.status, returned);
  response.end(bytes);
}

/** The body, or undefined once it passes MAX_BODY_BYTES (the rest is not read). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** An error of the proxy's own, in the API's shape. */
function problem(response: ServerResponse, status: number, error: string, message: string): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify({ error, message }));
}
