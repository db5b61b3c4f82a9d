import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { RegistryUnavailableError } from "../../shared/core/registry.js";

// The DynamoDB client's connection handling, against servers on loopback that DynamoDB Local cannot
// imitate: one that never answers, one that counts its connections.

const tables = {
  hosts: "hosts",
  placements: "placements",
  observations: "observations",
  events: "events",
  requests: "requests",
  profiles: "profiles",
  addresses: "addresses",
};
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe("the DynamoDB client", () => {
  it("gives up on an endpoint that accepts and never answers, as a 503 the caller may retry", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket)).listen(0, "127.0.0.1");
    await once(silent, "listening");
    closers.push(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const { port } = silent.address() as AddressInfo;
    const client = dynamoDbClient(`http://127.0.0.1:${port}`, { connectMs: 200, answerMs: 300 });
    const registry = new DynamoDbRegistry(client, tables);
    // One GetItem: an idempotency record's read.
    const failure = await registry.findIdempotencyRecord("k", 0).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegistryUnavailableError);
    expect(failure).toMatchObject({ unknownOutcome: true });
    // Three attempts, each on a connection of its own: the SDK retried before giving up.
    expect(sockets).toHaveLength(3);
  });

  it("keeps its connection alive from one call to the next", async () => {
    let connections = 0;
    const server = createHttpServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        response.end("{}");
      });
    });
    server.on("connection", () => connections++);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    closers.push(() => server.close());
    const { port } = server.address() as AddressInfo;
    const client = dynamoDbClient(`http://127.0.0.1:${port}`);
    const registry = new DynamoDbRegistry(client, tables);
    for (let call = 0; call < 3; call++) expect(await registry.findIdempotencyRecord("k", 0)).toBeUndefined();
    expect(connections).toBe(1);
    client.destroy();
    server.closeAllConnections();
  });
});
