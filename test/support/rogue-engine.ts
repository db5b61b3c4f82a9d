import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * How the rogue engine answers one route instead of as Docker would:
 * - `status` (+ `body`, any text): that answer, e.g. a 500 whose body holds another service's secret;
 * - `json` (+ `status`): that JSON;
 * - `drip`: the headers, then one byte of a body that never ends every `drip` ms (an idle timeout never
 *   fires: only a deadline ends it);
 * - `hang`: the request is accepted and never answered;
 * - `bytes`: a 200 whose body is that many bytes, streamed in 64 KiB chunks every `chunkMs` (default 2);
 * - `delayMs`: what Docker would answer (and do: a create creates at once), that much later.
 */
export type Misbehaviour =
  | { status: number; body?: string }
  | { json: unknown; status?: number }
  | { drip: number }
  | { hang: true }
  | { bytes: number; chunkMs?: number }
  | { delayMs: number };

export interface RogueOptions {
  /** Docker's `/info` `ID`: two rogues with the same one play one engine under two addresses. */
  id?: string;
  /** Fields of `/info` over a sane engine's (4 CPUs, 8 GiB): `{NCPU: "lots"}`, a 300 KB ServerVersion… */
  info?: Record<string, unknown>;
  /** Running containers Citadel did not place that `/containers/json` lists besides those created. */
  containers?: number;
  /** Misbehaviours by `METHOD /path`, where `*` matches one path segment: `POST /containers/create`. */
  routes?: Record<string, Misbehaviour>;
}

interface RogueContainer {
  id: string;
  name: string;
  state: "created" | "running" | "exited";
  image: string;
  labels: Record<string, string>;
  /** The create call's `HostConfig`, as sent. */
  hostConfig: Record<string, unknown>;
  startedAt: string;
}

/** A hostile Docker engine on 127.0.0.1, and what it saw. */
export interface RogueEngine {
  port: number;
  /** `127.0.0.1:<port>`, as a host is registered. */
  addr: string;
  /** Every request, as `METHOD /path?query`. */
  requests: string[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** Connections open now. */
  open(): number;
  /** Resolves once no connection is open (rejects after `ms`): the client closed its sockets. */
  allClosed(ms?: number): Promise<void>;
  /** Bytes of answer bodies written by the `bytes` misbehaviour before the client went away. */
  bodyBytesWritten(): number;
  /** The containers created through its API. */
  created(): RogueContainer[];
  /** Changes how it behaves from now on (merged over the current options). */
  set(options: RogueOptions): void;
  close(): Promise<void>;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

export async function startRogueEngine(initial: RogueOptions = {}): Promise<RogueEngine> {
  let options: RogueOptions = { ...initial };
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const containers = new Map<string, RogueContainer>();
  const generated: string[] = [];
  let connections = 0;
  let bodyBytes = 0;
  const engineId = `ROGUE:${randomBytes(6).toString("hex").toUpperCase()}`;

  const find = (idOrName: string) =>
    [...containers.values()].find((c) => c.id === idOrName || c.name === idOrName);

  /** What Docker would answer (and do). */
  const docker = (method: string, url: URL, body: string): { status: number; json?: unknown } => {
    const path = url.pathname.replace(/^\/v[\d.]+\//, "/");
    const parts = path.split("/").filter(Boolean);
    if (method === "GET" && path === "/_ping") return { status: 200, json: "OK" };
    if (method === "GET" && path === "/info") {
      return {
        status: 200,
        json: {
          ID: options.id ?? engineId,
          NCPU: 4,
          MemTotal: 8 * 1024 ** 3,
          ServerVersion: "24.0.7",
          OperatingSystem: "rogue",
          ...options.info,
        },
      };
    }
    if (method === "GET" && path === "/volumes") return { status: 200, json: { Volumes: [], Warnings: [] } };
    if (method === "GET" && path === "/containers/json") {
      while (generated.length < (options.containers ?? 0)) generated.push(randomBytes(32).toString("hex"));
      const listed = [
        ...[...containers.values()].map((c) => ({
          Id: c.id,
          Image: c.image,
          State: c.state,
          Labels: c.labels,
        })),
        ...generated
          .slice(0, options.containers ?? 0)
          .map((Id) => ({ Id, Image: "busybox", State: "running", Labels: {} })),
      ];
      return { status: 200, json: listed };
    }
    if (method === "POST" && path === "/containers/create") {
      const name = url.searchParams.get("name") ?? randomBytes(6).toString("hex");
      if (find(name))
        return {
          status: 409,
          json: { message: `Conflict. The container name "/${name}" is already in use` },
        };
      const spec = JSON.parse(body || "{}") as {
        Image?: string;
        Labels?: Record<string, string>;
        HostConfig?: Record<string, unknown>;
      };
      const id = randomBytes(32).toString("hex");
      containers.set(id, {
        id,
        name,
        image: spec.Image ?? "",
        state: "created",
        labels: spec.Labels ?? {},
        hostConfig: spec.HostConfig ?? {},
        startedAt: ZERO_TIME,
      });
      return { status: 201, json: { Id: id, Warnings: [] } };
    }
    if (parts[0] === "containers" && parts[1] !== undefined) {
      const container = find(parts[1]) ?? (generated.includes(parts[1]) ? undefined : null);
      const foreign = container === undefined; // one of the generated containers
      if (container === null) return { status: 404, json: { message: `No such container: ${parts[1]}` } };
      if (method === "GET" && parts[2] === "json") {
        return {
          status: 200,
          json: {
            Id: container?.id ?? parts[1],
            Name: `/${container?.name ?? "outsider"}`,
            State: {
              Status: container?.state ?? "running",
              Running: foreign || container?.state === "running",
              ExitCode: 0,
              StartedAt: container?.startedAt ?? "2026-01-01T00:00:00Z",
            },
            HostConfig: { NanoCpus: 0, Memory: 0 },
            Config: { Labels: container?.labels ?? {} },
          },
        };
      }
      if (method === "GET" && parts[2] === "stats") {
        const usage = {
          cpu_usage: { total_usage: 1_000_000 },
          system_cpu_usage: 1_000_000_000,
          online_cpus: 4,
        };
        return {
          status: 200,
          json: { cpu_stats: usage, precpu_stats: usage, memory_stats: { usage: 1024 ** 2 } },
        };
      }
      if (method === "POST" && parts[2] === "start" && container) {
        if (container.state === "running") return { status: 304 };
        container.state = "running";
        container.startedAt = new Date().toISOString();
        return { status: 204 };
      }
      if (method === "DELETE" && container) {
        containers.delete(container.id);
        return { status: 204 };
      }
    }
    return { status: 404, json: { message: "page not found" } };
  };

  const misbehaviour = (method: string, path: string): Misbehaviour | undefined => {
    for (const [route, behaviour] of Object.entries(options.routes ?? {})) {
      const [routeMethod, routePath = ""] = route.split(" ");
      const pattern = new RegExp(
        `^${routePath.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]+")}$`,
      );
      if (routeMethod === method && pattern.test(path)) return behaviour;
    }
    return undefined;
  };

  const answer = (response: ServerResponse, status: number, json?: unknown) => {
    if (json === undefined) {
      response.writeHead(status).end();
      return;
    }
    const text = JSON.stringify(json);
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    response.end(text);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://rogue");
    const method = request.method ?? "GET";
    requests.push(`${method} ${url.pathname}${url.search}`);
    let body = "";
    for await (const chunk of request) body += chunk;
    const rogue = misbehaviour(method, url.pathname);
    if (!rogue) {
      const normal = docker(method, url, body);
      return answer(response, normal.status, normal.json);
    }
    if ("hang" in rogue) return;
    if ("status" in rogue && !("json" in rogue)) {
      response.writeHead(rogue.status, { "content-type": "text/plain" });
      response.end(rogue.body ?? "");
      return;
    }
    if ("json" in rogue) return answer(response, rogue.status ?? 200, rogue.json);
    if ("delayMs" in rogue) {
      const normal = docker(method, url, body);
      await new Promise((resolve) => setTimeout(resolve, rogue.delayMs));
      if (!response.destroyed) answer(response, normal.status, normal.json);
      return;
    }
    if ("drip" in rogue) {
      response.writeHead(200, { "content-type": "application/json" });
      response.write("[");
      const timer = setInterval(() => response.write(" "), rogue.drip);
      response.on("close", () => clearInterval(timer));
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, "x");
    response.writeHead(200, { "content-type": "application/json" });
    response.write('"');
    let left = rogue.bytes;
    const timer = setInterval(() => {
      if (response.destroyed || left <= 0) {
        clearInterval(timer);
        if (!response.destroyed) response.end('"');
        return;
      }
      const piece = chunk.subarray(0, Math.min(chunk.length, left));
      left -= piece.length;
      bodyBytes += piece.length;
      response.write(piece);
    }, rogue.chunkMs ?? 2);
    response.on("close", () => clearInterval(timer));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.on("connection", (socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;

  return {
    port,
    addr: `127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    open: () => sockets.size,
    allClosed: async (ms = 5000) => {
      const deadline = Date.now() + ms;
      while (sockets.size > 0) {
        if (Date.now() > deadline) throw new Error(`${sockets.size} connection(s) still open after ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    bodyBytesWritten: () => bodyBytes,
    created: () => [...containers.values()],
    set: (changes) => {
      options = { ...options, ...changes };
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
