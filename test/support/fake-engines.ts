import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";

/** Many sane Docker engines answered by one HTTP server on 127.0.0.1, one port each. */
export interface FakeEngines {
  /** Each engine's `127.0.0.1:<port>`, as a host is registered. */
  addrs: string[];
  /** How many times each engine (by address) was read: its `GET /info` calls. */
  probes(): Map<string, number>;
  close(): Promise<void>;
}

export interface FakeEngineOptions {
  /** Running containers Citadel did not place, on every engine (each is inspected and sampled by a probe). */
  containers?: number;
  /** Docker's `/info` `ID` of the engine at an index: the same ID at two indexes is one engine under two addresses. */
  idOf?: (index: number) => string;
  /** The names `GET /volumes` lists on the engine at an index (none by default). */
  volumesOf?: (index: number) => string[];
}

/**
 * `count` Docker engines as the refresh reads them (`/info`, `/volumes`, `/containers/json`, a container's
 * inspect and stats), for tests and the refresh benchmark: one HTTP server whose connections come from one listener
 * per engine, each on its own port of 127.0.0.1 (never another address), the engine known by the port a
 * connection arrived on. An engine has 4 CPUs and 8 GiB.
 */
export async function startFakeEngines(count: number, options: FakeEngineOptions = {}): Promise<FakeEngines> {
  const idOf = options.idOf ?? ((index: number) => `FAKE:${String(index).padStart(6, "0")}`);
  const containers = Array.from({ length: options.containers ?? 0 }, (_, i) => `${i}`.padStart(64, "c"));
  const engineAt = new Map<number, number>();
  const probes = new Map<string, number>();
  const http = createHttpServer((request, response) => answer(request, response));

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const index = engineAt.get(request.socket.localPort ?? 0) ?? -1;
    const path = new URL(request.url ?? "/", "http://fake").pathname.replace(/^\/v[\d.]+\//, "/");
    const send = (status: number, json: unknown) => {
      const text = JSON.stringify(json);
      response.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      });
      response.end(text);
    };
    if (path === "/info") {
      const addr = `127.0.0.1:${request.socket.localPort}`;
      probes.set(addr, (probes.get(addr) ?? 0) + 1);
      return send(200, { ID: idOf(index), NCPU: 4, MemTotal: 8 * 1024 ** 3, ServerVersion: "24.0.7" });
    }
    if (path === "/volumes") {
      const names = options.volumesOf?.(index) ?? [];
      return send(200, { Volumes: names.map((Name) => ({ Name, Driver: "local" })), Warnings: null });
    }
    if (path === "/containers/json")
      return send(
        200,
        containers.map((Id) => ({ Id, Image: "busybox", State: "running", Labels: {} })),
      );
    const [, kind, id, what] = path.split("/");
    if (kind === "containers" && id && containers.includes(id) && what === "json") {
      return send(200, {
        Id: id,
        Name: "/outsider",
        State: { Status: "running", Running: true, ExitCode: 0, StartedAt: "2026-01-01T00:00:00Z" },
        HostConfig: { NanoCpus: 500_000_000, Memory: 256 * 1024 ** 2 },
        Config: { Labels: {} },
      });
    }
    if (kind === "containers" && id && containers.includes(id) && what === "stats") {
      const usage = {
        cpu_usage: { total_usage: 1_000_000 },
        system_cpu_usage: 1_000_000_000,
        online_cpus: 4,
      };
      return send(200, { cpu_stats: usage, precpu_stats: usage, memory_stats: { usage: 64 * 1024 ** 2 } });
    }
    return send(404, { message: "page not found" });
  };

  const listeners: Server[] = [];
  for (let index = 0; index < count; index++) {
    const listener = createTcpServer((socket) => http.emit("connection", socket));
    listener.listen(0, "127.0.0.1");
    await once(listener, "listening");
    engineAt.set((listener.address() as { port: number }).port, index);
    listeners.push(listener);
  }
  return {
    addrs: [...engineAt.keys()].map((port) => `127.0.0.1:${port}`),
    probes: () => new Map(probes),
    close: async () => {
      http.closeAllConnections();
      await Promise.all(listeners.map((listener) => new Promise((resolve) => listener.close(resolve))));
    },
  };
}
