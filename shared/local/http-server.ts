import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { tooLarge } from "../../functions/api/http.js";
import { type ConsoleFiles, serveConsoleFile } from "./console-files.js";
import { LOOPBACK, OwnAddress } from "./own-address.js";

/** An API Gateway (HTTP API, payload 2.0) Lambda handler. */
export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway refuses payloads over 10 MB itself; locally, stop reading well before that. */
const MAX_READ_BYTES = 1024 * 1024;

/** Where the local server listens, and the console it serves beside the API. */
export interface ServeOptions {
  /** 127.0.0.1 unless given. */
  host?: string;
  /** The console's files, answered at their paths (`/` and its assets) before the handler sees a request. */
  console?: ConsoleFiles;
}

/**
 * Serves a Lambda handler over real HTTP, turning each request into the event API Gateway would send,
 * so that the local API runs exactly the handlers deployed in AWS; with `options.console`, a GET of
 * one of the console's files gets that file instead, and every other request still goes to the handler.
 * On loopback (the default) it answers only requests addressed to itself, and no other site's page
 * (see OwnAddress): the local API has no authorizer, and may start containers on the hosts it knows.
 */
export async function serveHandler(
  handler: ApiHandler,
  port: number,
  options: ServeOptions = {},
): Promise<Server> {
  const { host = LOOPBACK, console: files } = options;
  let own: OwnAddress | undefined;
  const server = createServer((request, response) => {
    const refusal = own && refused(own, request);
    if (refusal) {
      response.writeHead(403, { "content-type": "application/json" });
      response.end(JSON.stringify(refusal));
      return;
    }
    if (files && serveConsoleFile(files, request, response)) return;
    handle(handler, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "internal", message: "the local server failed" }));
    });
  });
  server.listen(port, host);
  await once(server, "listening");
  if (host === LOOPBACK) own = new OwnAddress((server.address() as { port: number }).port);
  return server;
}

/** Why a request to the loopback server is refused, in the API's shape; undefined when it is not. */
function refused(own: OwnAddress, request: IncomingMessage) {
  if (!own.addressed(request)) {
    return { error: "forbidden_host", message: "the local server answers at 127.0.0.1 or localhost only" };
  }
  if (own.crossSite(request)) {
    return { error: "cross_origin", message: "the local server answers no other site's pages" };
  }
  return undefined;
}

async function handle(handler: ApiHandler, request: IncomingMessage, response: ServerResponse) {
  const body = await readBody(request);
  const result = body === undefined ? tooLarge() : await handler(toEvent(request, body));
  // A body left unread: answer, then close the connection rather than read the rest.
  const close = body === undefined ? { connection: "close" } : {};
  response.writeHead(result.statusCode ?? 200, { ...stringHeaders(result.headers), ...close });
  response.end(result.body ?? "", () => {
    if (body === undefined) request.destroy();
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_READ_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const text = body.toString("utf8");
  // Like API Gateway: a body that is not valid UTF-8 arrives base64-encoded.
  const binary = !Buffer.from(text, "utf8").equals(body);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "localhost",
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: binary ? body.toString("base64") : text }),
    isBase64Encoded: binary,
  };
}

function stringHeaders(headers: APIGatewayProxyStructuredResultV2["headers"]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}
