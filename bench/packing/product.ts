// The product's scheduler types as bench strategies: each decision runs the product's own filter → score
// → select (with its sampling) on hosts of the trace's cpu, memory and GPU devices, and the product's
// own device choice (gpus.ts) says which devices a GPU task takes.
import { assignGpus } from "../../shared/core/gpus.js";
import { gpuShares, type Host, newHost } from "../../shared/core/host.js";
import { imageTag } from "../../shared/core/image.js";
import { feasibleEnough, filterHosts, selectHost } from "../../shared/core/pipeline.js";
import { FIRST_HOST, tieBreak } from "../../shared/core/place.js";
import { summaryOf } from "../../shared/core/placement.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { added, amounts, freeCounters, freeOf } from "../../shared/core/resources.js";
import { packs, type SchedulerType, schedulerType } from "../../shared/core/schedulers.js";
import { scoring } from "../../shared/core/scoring.js";
import { placement } from "../../test/support/fixtures.js";
import type { Strategy } from "./baselines.js";
import type { TracePod } from "./model.js";

function request(pod: TracePod): ContainerRequest {
  return {
    image: pod.image,
    amounts: amounts({ cpu: pod.cpuMilli, memory: pod.memory }),
    ...(pod.gpus > 0 && {
      gpus: { count: pod.gpus, share: pod.gpuMilli, ...(pod.models?.length && { models: [...pod.models] }) },
    }),
    type: "bench",
    constraints: [],
    labels: {},
  };
}

/** A product scheduler type deciding as `place` does: sampled, or (`sampled` false) on every host. */
export function productStrategy(
  name: string,
  type: string,
  { sampled = true, monteCarlo = true } = {},
): Strategy {
  const scheduler = schedulerType(type) as SchedulerType;
  const packing = packs(scheduler);
  return {
    name,
    ...(!monteCarlo && { monteCarlo }),
    placer: (cluster, { random }) => {
      const at = new Date(0);
      const hosts: Host[] = cluster.nodes.map((node) =>
        newHost(
          {
            addr: `${node.id}:2375`,
            id: node.id,
            total_cpus: node.cpuMilli,
            total_memory: node.memory,
            ...(node.gpus > 0 && { gpus: { count: node.gpus, model: node.model || "unknown" } }),
          },
          at,
        ),
      );
      const positions = new Map(hosts.map((host, index) => [host.id, index]));
      const replicas = new ReplicaIndex();
      /** Replaces the host at `position`, in the list and in its replica index. */
      const change = (position: number, host: Host) => {
        replicas.replace(hosts[position], host);
        hosts[position] = host;
      };
      return {
        gpus: true,
        choose: (pod) => {
          const wanted = request(pod);
          const { feasible } = filterHosts(
            hosts,
            wanted,
            sampled
              ? { limit: feasibleEnough(hosts.length), random: packing ? FIRST_HOST : random }
              : undefined,
          );
          const { score } = scoring(scheduler, wanted, { hosts, replicas: replicas.of(wanted.image) });
          const chosen = selectHost(feasible, score, { nearBest: 1, random: tieBreak(packing, 1, random) });
          if (!chosen) return undefined;
          const position = positions.get(chosen.id) as number;
          const granted = wanted.gpus && assignGpus(wanted.gpus, chosen.gpus, gpuShares(chosen));
          const gpus = typeof granted === "object" ? granted : undefined;
          change(position, {
            ...chosen,
            ...freeCounters(added(freeOf(chosen), wanted.amounts, -1)),
            placements: [
              ...chosen.placements,
              summaryOf({
                ...placement(chosen.id, pod.cpuMilli, pod.memory, pod.image),
                ...(gpus && { gpus }),
              }),
            ],
          });
          return { node: position, devices: gpus?.devices ?? [] };
        },
        released: ({ node, devices }, pod) => {
          const host = hosts[node] as Host;
          const tag = imageTag(pod.image);
          // The pod's own placement: its shape, and the devices it was given.
          const held = devices.join();
          const at = host.placements.findIndex(
            (one) =>
              one.imageTag === tag &&
              one.amounts.cpu === pod.cpuMilli &&
              (one.gpus?.devices ?? []).join() === held,
          );
          change(node, {
            ...host,
            ...freeCounters(added(freeOf(host), request(pod).amounts)),
            placements: host.placements.filter((_, other) => other !== at),
          });
        },
      };
    },
  };
}

/**
 * The product's strategies, as the report names them. Only batch runs the Monte-Carlo workload: each of
 * its seeds costs the product's pipeline about 8,000 decisions, and the time replay already shows what
 * sampling costs batch and how service spreads.
 */
export const PRODUCT: readonly Strategy[] = [
  productStrategy("batch", "batch"),
  productStrategy("batch (every host)", "batch", { sampled: false, monteCarlo: false }),
  productStrategy("service", "service", { monteCarlo: false }),
  productStrategy("gpu", "gpu"),
];
