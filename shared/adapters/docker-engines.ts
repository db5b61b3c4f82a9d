import { type Allowlist, refusal } from "../core/address.js";
import { mapConcurrently } from "../core/concurrency.js";
import {
  type ContainerReport,
  type ContainerSpec,
  containerName,
  EngineError,
  type EngineReport,
  type Engines,
  type FoundContainer,
  isAlive,
  PLACEMENT_LABEL,
} from "../core/engine.js";
import type { GpuGrant } from "../core/gpus.js";
import type { Host, Usage } from "../core/host.js";
import { type PortMapping, portKey } from "../core/ports.js";
import { type DockerTls, dockerTlsSource } from "./docker-tls.js";
import {
  containersSchema,
  createdSchema,
  infoSchema,
  inspectSchema,
  MAX_ANSWER_BYTES,
  MAX_CONTAINERS,
  parseAnswer,
  statsSchema,
  volumeListSchema,
} from "./engine-answers.js";
import { EngineSession, type Resolve, systemResolve } from "./engine-http.js";

const MIB = 1024 * 1024;

/** How long removing a container that did not start may take (within LAMBDA_MARGIN_MS, adapters/system.ts). */
const REMOVAL_MS = 2000;

/** Containers of one host inspected or sampled at once (a stats sample takes Docker about a second). */
const PER_HOST_CONCURRENCY = 16;

export interface DockerEnginesOptions {
  /** Client certificates for hosts registered with `tls`; loaded once, on first use. */
  tls: () => Promise<DockerTls | undefined>;
  /**
   * How long one operation on one engine may take (a host's whole read, a container's run or find):
   * then its connections are closed. The caller's signal may end it sooner.
   */
  timeoutMs: number;
  /** Whether Citadel may connect to an IP (the operator's allowlist): every address of a host must be. */
  allows: (ip: string) => boolean;
  /** How host names resolve; the system's resolver by default. */
  resolve?: Resolve;
}

/**
 * The cluster's Docker engines through their Engine API (plain `tcp://`, or TLS with client
 * certificates), over a small client of its own (engine-http.ts) that bounds every answer's time and
 * size; every answer is validated (engine-answers.ts) before Citadel uses it.
 */
export class DockerEngines implements Engines {
  constructor(private readonly options: DockerEnginesOptions) {}

  read(host: Host, signal: AbortSignal): Promise<EngineReport> {
    return this.session(host, signal, async (engine) => {
      const info = parseAnswer(infoSchema, await get(engine, "/info", MAX_ANSWER_BYTES.info), "");
      // Docker lists the newest first; one more than the limit tells a host that has too many.
      const listed = parseAnswer(
        containersSchema,
        await get(
          engine,
          `/containers/json?all=true&limit=${MAX_CONTAINERS + 1}`,
          MAX_ANSWER_BYTES.containers,
        ),
        "containers",
      );
      const volumes = parseAnswer(
        volumeListSchema,
        await get(engine, "/volumes", MAX_ANSWER_BYTES.volumes),
        "volumes",
      );
      const capacity = { cpuMilli: info.NCPU * 1000, memory: Math.floor(info.MemTotal / MIB) };
      const containers = await mapConcurrently(listed, PER_HOST_CONCURRENCY, (container) =>
        describe(engine, container, capacity),
      );
      return {
        id: info.ID,
        version: info.ServerVersion,
        ...capacity,
        containers: containers.filter((container): container is ContainerReport => container !== undefined),
        volumes: (volumes.Volumes ?? []).map((volume) => volume.Name),
      };
    });
  }

  run(host: Host, spec: ContainerSpec, signal: AbortSignal): Promise<string> {
    return this.session(host, signal, async (engine) => {
      const name = containerName(spec.placementId);
      const created = await engine.call("POST", `/containers/create?name=${encodeURIComponent(name)}`, {
        maxBytes: MAX_ANSWER_BYTES.created,
        accept: [409],
        body: {
          Image: spec.image,
          ...(spec.command && { Cmd: spec.command }),
          Labels: { ...spec.labels, [PLACEMENT_LABEL]: spec.placementId },
          ...(spec.ports.length > 0 && {
            ExposedPorts: Object.fromEntries(
              spec.ports.map((one) => [`${one.container}/${one.protocol}`, {}]),
            ),
          }),
          HostConfig: {
            NanoCpus: spec.amounts.cpu * 1_000_000,
            Memory: spec.amounts.memory * MIB,
            ...(spec.ports.length > 0 && { PortBindings: portBindings(spec.ports) }),
            ...(spec.volumes.length > 0 && {
              Mounts: spec.volumes.map((one) => ({ Type: "volume", Source: one.name, Target: one.path })),
            }),
            ...(spec.gpus && { DeviceRequests: deviceRequests(spec.gpus) }),
          },
        },
      });
      let id: string;
      if (created.status === 409) {
        // The name is taken: a retry finds the container an earlier attempt made.
        const found = await find(engine, spec.placementId);
        if (!found) throw new EngineError("http 409");
        if (found.started) return found.id;
        id = found.id;
      } else {
        id = parseAnswer(createdSchema, created.body, "created").Id;
      }
      try {
        await engine.call("POST", `/containers/${id}/start`, { maxBytes: 0, accept: [304] });
      } catch (error) {
        // Removed, so that nothing runs unreserved and a retry makes it anew. The run's own deadline may
        // be what ended the start: the removal then has a short deadline of its own, inside the margin a
        // Lambda keeps after its work.
        await this.session(host, AbortSignal.timeout(REMOVAL_MS), (cleanup) =>
          cleanup.call("DELETE", `/containers/${id}?force=true`, { maxBytes: 0 }),
        ).catch(() => undefined);
        throw error;
      }
      return id;
    });
  }

  find(host: Host, placementId: string, signal: AbortSignal): Promise<FoundContainer | undefined> {
    return this.session(host, signal, (engine) => find(engine, placementId));
  }

  /** Runs `work` against the host's engine, ended (its connections closed) by `signal` or the timeout. */
  private async session<T>(
    host: Host,
    signal: AbortSignal,
    work: (engine: EngineSession) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const timer = setTimeout(abort, this.options.timeoutMs);
    signal.addEventListener("abort", abort, { once: true });
    if (signal.aborted) abort();
    let engine: EngineSession | undefined;
    try {
      const url = new URL(`tcp://${host.addr.replace(/^tcp:\/\//, "")}`);
      engine = await EngineSession.open(
        { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port), tls: await this.tls(host) },
        {
          allows: this.options.allows,
          resolve: this.options.resolve ?? systemResolve,
          signal: controller.signal,
          maxSockets: PER_HOST_CONCURRENCY,
        },
      );
      return await work(engine);
    } catch (error) {
      if (error instanceof EngineError) throw error;
      if (controller.signal.aborted) throw new EngineError("timeout");
      throw error;
    } finally {
      engine?.close();
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
  }

  private async tls(host: Host): Promise<DockerTls | undefined> {
    if (!host.tls) return undefined;
    const tls = await this.options.tls().catch(() => {
      throw new EngineError("client certificates unreadable");
    });
    if (!tls)
      throw new EngineError(`host ${host.id} uses TLS but no Docker client certificates are configured`);
    return tls;
  }
}

/**
 * The engines as the environment configures them: certificates, the timeout, and the operator's
 * allowlist, which every address a host's name resolves to must pass.
 */
export function dockerEngines(
  env: NodeJS.ProcessEnv,
  options: Pick<DockerEnginesOptions, "timeoutMs"> & { allowlist: Allowlist },
): DockerEngines {
  return new DockerEngines({
    tls: dockerTlsSource(env),
    timeoutMs: options.timeoutMs,
    allows: (ip) => refusal(ip, options.allowlist) === undefined,
  });
}

function get(engine: EngineSession, path: string, maxBytes: number): Promise<unknown> {
  return engine.call("GET", path, { maxBytes }).then((answer) => answer.body);
}

/** The placement's container by its name, if it is one Citadel made for that placement. */
async function find(engine: EngineSession, placementId: string): Promise<FoundContainer | undefined> {
  const answer = await engine.call("GET", `/containers/${containerName(placementId)}/json`, {
    maxBytes: MAX_ANSWER_BYTES.inspect,
    accept: [404],
  });
  if (answer.status === 404) return undefined;
  const inspected = parseAnswer(inspectSchema, answer.body, "container");
  // A container of that name that is not the placement's is no container of Citadel's to start.
  if (inspected.Config.Labels?.[PLACEMENT_LABEL] !== placementId) throw new EngineError("http 409");
  return {
    id: inspected.Id,
    running: inspected.State.Running,
    // Docker's zero time (0001-01-01) until it first starts.
    started: inspected.State.Running || Date.parse(inspected.State.StartedAt) > 0,
  };
}

/**
 * A listed container with its limits (an inspect) and, when running, one stats sample; undefined when
 * it was removed since the list. Use is bounded by the host's capacity, whatever the engine says.
 */
async function describe(
  engine: EngineSession,
  listed: {
    Id: string;
    Image: string;
    State: string;
    Labels?: Record<string, unknown> | null | undefined;
    Ports?: { PublicPort?: number | undefined; Type: string }[] | null | undefined;
  },
  capacity: Usage,
): Promise<ContainerReport | undefined> {
  const alive = isAlive(listed.State);
  const path = `/containers/${listed.Id}`;
  const [inspected, stats] = await Promise.all([
    engine.call("GET", `${path}/json`, { maxBytes: MAX_ANSWER_BYTES.inspect, accept: [404] }),
    alive
      ? engine.call("GET", `${path}/stats?stream=false`, { maxBytes: MAX_ANSWER_BYTES.stats, accept: [404] })
      : undefined,
  ]);
  if (inspected.status === 404) return undefined;
  const { State, HostConfig } = parseAnswer(inspectSchema, inspected.body, "container");
  const label = listed.Labels?.[PLACEMENT_LABEL];
  return {
    id: listed.Id,
    image: listed.Image,
    state: listed.State,
    exitCode: State.ExitCode,
    placementId: typeof label === "string" ? label : undefined,
    ports: [
      ...new Set(
        (listed.Ports ?? []).flatMap((one) =>
          one.PublicPort && (one.Type === "tcp" || one.Type === "udp")
            ? [portKey(one.PublicPort, one.Type)]
            : [],
        ),
      ),
    ],
    limits: {
      cpuMilli: Math.round((HostConfig.NanoCpus ?? 0) / 1_000_000),
      memory: Math.round((HostConfig.Memory ?? 0) / MIB),
    },
    usage:
      stats && stats.status !== 404 ? usageOf(parseAnswer(statsSchema, stats.body, "stats"), capacity) : null,
  };
}

/**
 * cpu as `docker stats` computes it (share of the host's time between two samples), memory less cache,
 * each at most the host's capacity.
 */
function usageOf(stats: ReturnType<typeof statsSchema.parse>, capacity: Usage): Usage {
  const cpu = stats.cpu_stats;
  const before = stats.precpu_stats;
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (before?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (before?.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const memory = stats.memory_stats;
  const cache = memory.stats?.inactive_file ?? memory.stats?.total_inactive_file ?? memory.stats?.cache ?? 0;
  const cpuMilli = systemDelta > 0 && cpuDelta > 0 ? Math.round((cpuDelta / systemDelta) * cpus * 1000) : 0;
  return {
    cpuMilli: Math.min(cpuMilli, capacity.cpuMilli),
    memory: Math.min(Math.round(Math.max(0, (memory.usage ?? 0) - cache) / MIB), capacity.memory),
  };
}

/**
 * Docker's `DeviceRequests` for a grant: its devices by id, from the NVIDIA runtime (`docker run --gpus
 * '"device=0,1"'`). A share is not enforced by the runtime: containers sharing a device each see all of it,
 * and keep to their share by their own limits (as in Alibaba's GPU-sharing cluster, whose sharing is
 * in scheduling, not isolation).
 */
function deviceRequests(grant: GpuGrant) {
  return [{ Driver: "nvidia", DeviceIDs: grant.devices.map(String), Capabilities: [["gpu"]] }];
}

/** Docker's `PortBindings`: each container port to the host ports it is published on. */
function portBindings(ports: readonly PortMapping[]): Record<string, { HostPort: string }[]> {
  const bindings: Record<string, { HostPort: string }[]> = {};
  for (const one of ports) {
    const key = `${one.container}/${one.protocol}`;
    bindings[key] = [...(bindings[key] ?? []), { HostPort: String(one.host) }];
  }
  return bindings;
}
