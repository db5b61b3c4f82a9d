import Docker from "dockerode";
import {
  type ContainerReport,
  type ContainerSpec,
  type EngineReport,
  type Engines,
  isAlive,
  PLACEMENT_LABEL,
} from "../core/engine.js";
import type { Host, Usage } from "../core/host.js";
import { mapConcurrently } from "../core/refresh.js";
import { type DockerTls, dockerTlsSource } from "./docker-tls.js";

const MIB = 1024 * 1024;

/** Containers of one host inspected or sampled at once (a stats sample takes Docker about a second). */
const PER_HOST_CONCURRENCY = 16;

export interface DockerEnginesOptions {
  /** Client certificates for hosts registered with `tls`; loaded once, on first use. */
  tls: () => Promise<DockerTls | undefined>;
  /** Socket timeout of every call to an engine. */
  timeoutMs: number;
}

/**
 * The cluster's Docker engines through their Engine API (dockerode), plain `tcp://` or TLS with client
 * certificates. One client per host address, kept for the life of the process.
 */
export class DockerEngines implements Engines {
  private readonly clients = new Map<string, Promise<Docker>>();

  constructor(private readonly options: DockerEnginesOptions) {}

  async read(host: Host): Promise<EngineReport> {
    const docker = await this.client(host);
    const info = await docker.info();
    const listed = await docker.listContainers({ all: true });
    const containers = await mapConcurrently(listed, PER_HOST_CONCURRENCY, (container) =>
      describe(docker, container),
    );
    return {
      version: String(info.ServerVersion),
      cpuMilli: Number(info.NCPU) * 1000,
      memory: Math.floor(Number(info.MemTotal) / MIB),
      containers,
    };
  }

  async run(host: Host, spec: ContainerSpec): Promise<string> {
    const docker = await this.client(host);
    const container = await docker.createContainer({
      name: `citadel-${spec.placementId}`,
      Image: spec.image,
      ...(spec.command && { Cmd: spec.command }),
      Labels: { ...spec.labels, [PLACEMENT_LABEL]: spec.placementId },
      HostConfig: { NanoCpus: spec.cpuMilli * 1_000_000, Memory: spec.memory * MIB },
    });
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return container.id;
  }

  private client(host: Host): Promise<Docker> {
    const key = `${host.tls ? "tls" : "tcp"}://${hostPort(host)}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.connect(host);
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }

  private async connect(host: Host): Promise<Docker> {
    const url = new URL(`tcp://${hostPort(host)}`);
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    if (!host.tls) {
      return new Docker({
        host: hostname,
        port: url.port,
        protocol: "http",
        timeout: this.options.timeoutMs,
      });
    }
    const tls = await this.options.tls();
    if (!tls) throw new Error(`host ${host.id} uses TLS but no Docker client certificates are configured`);
    return new Docker({
      host: hostname,
      port: url.port,
      protocol: "https",
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      timeout: this.options.timeoutMs,
    });
  }
}

/** A host's address without the optional `tcp://`. */
function hostPort(host: Host): string {
  return host.addr.replace(/^tcp:\/\//, "");
}

/** The engines as the environment configures them: certificates, and the timeout of every call. */
export function dockerEngines(env: NodeJS.ProcessEnv, timeoutMs: number): DockerEngines {
  return new DockerEngines({ tls: dockerTlsSource(env), timeoutMs });
}

/** A listed container with its limits (an inspect) and, when running, one stats sample. */
async function describe(docker: Docker, listed: Docker.ContainerInfo): Promise<ContainerReport> {
  const handle = docker.getContainer(listed.Id);
  const alive = isAlive(listed.State);
  const [inspected, stats] = await Promise.all([
    handle.inspect(),
    alive ? handle.stats({ stream: false }) : Promise.resolve(undefined),
  ]);
  return {
    id: listed.Id,
    state: listed.State,
    exitCode: inspected.State.ExitCode,
    placementId: listed.Labels?.[PLACEMENT_LABEL],
    limits: {
      cpuMilli: Math.round((inspected.HostConfig.NanoCpus ?? 0) / 1_000_000),
      memory: Math.round((inspected.HostConfig.Memory ?? 0) / MIB),
    },
    usage: stats ? usageOf(stats) : null,
  };
}

/** cpu as `docker stats` computes it (share of the host's time between two samples), memory less cache. */
function usageOf(stats: Docker.ContainerStats): Usage {
  const cpu = stats.cpu_stats;
  const before = stats.precpu_stats;
  const cpuDelta = cpu.cpu_usage.total_usage - (before?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (before?.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 1;
  const memory = stats.memory_stats;
  const cache = memory.stats?.inactive_file ?? memory.stats?.total_inactive_file ?? memory.stats?.cache ?? 0;
  return {
    cpuMilli: systemDelta > 0 && cpuDelta > 0 ? Math.round((cpuDelta / systemDelta) * cpus * 1000) : 0,
    memory: Math.round(Math.max(0, (memory.usage ?? 0) - cache) / MIB),
  };
}
