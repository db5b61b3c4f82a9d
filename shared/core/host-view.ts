import { WHOLE } from "./gpus.js";
import { gpuShares, type Host, reserved, takenPorts } from "./host.js";
import { rangeText } from "./ports.js";
import { capacityView, countersView } from "./resources.js";
import { toCpus } from "./units.js";

// How the API shows hosts.

/** Reserved amounts as the API shows them: `reserved_cpus`, `reserved_memory`, ... (every resource). */
function reservedView(host: Host) {
  const taken = reserved(host);
  return countersView(taken, "reserved_");
}

/** A host as the API shows it (cpus as numbers of CPUs, memory in MiB). */
export function hostView(host: Host) {
  return {
    id: host.id,
    addr: host.addr,
    labels: host.labels,
    status: host.status,
    status_reason: host.statusReason,
    status_changed_at: host.statusChangedAt,
    ...capacityView(host.total, "total_"),
    ...capacityView(host.declared, "declared_"),
    ...reservedView(host),
    port_range: rangeText(host.portRange),
    taken_ports: [...takenPorts(host)].sort(),
    volumes: host.volumes,
    // Each device's reserved share, by device id ("0" first).
    gpus: host.gpus && { ...host.gpus, shares: gpuShares(host).map((share) => share / WHOLE) },
    placements: host.placements.length,
    tls: host.tls,
    engine: host.engine && {
      version: host.engine.version,
      detected_cpus: toCpus(host.engine.cpuMilli),
      detected_memory: host.engine.memory,
      used_cpus: toCpus(host.engine.used.cpuMilli),
      used_memory: host.engine.used.memory,
      unmanaged_containers: host.engine.unmanaged.containers,
      unmanaged_cpus: toCpus(host.engine.unmanaged.cpuMilli),
      unmanaged_memory: host.engine.unmanaged.memory,
      observed_at: host.engine.observedAt,
    },
    health: {
      failed_probes: host.health.failures,
      last_probe_at: host.health.lastProbeAt,
      last_error: host.health.lastError,
    },
    created_at: host.createdAt,
    updated_at: host.updatedAt,
  };
}

/** One host as `GET /v1/hosts/{id}` shows it: with its recent status changes and reconciliation actions. */
export function hostDetailView(host: Host) {
  return { ...hostView(host), events: host.events };
}
