import type { Registry } from "../../shared/core/registry.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { apiEvent } from "../support/api-event.js";
import type { Operation } from "./checker.js";

/** What a caller of the API sees of one placement request. */
export interface PlaceAnswer {
  status: number;
  placementId?: string;
  attempts: number;
  conflicts: number;
}

/** A caller of the API, through the router and scheduler handlers, as in AWS. */
export interface ApiClient {
  place(container: Record<string, unknown>, key?: string): Promise<PlaceAnswer>;
  release(placementId: string): Promise<number>;
  /** Sets a host's totals, as an operator's PATCH: the answer, with the host it shows when it succeeded. */
  resize(hostId: string, totals: { total_cpus: number; total_memory: number }): Promise<Operation>;
}

export interface ClientOptions {
  maxAttempts: number;
  snapshotMaxAgeMs: number;
  /** The share of keyed invocations delivered twice to the scheduler, as a Lambda or SDK retry would. */
  duplicateRate: number;
  random: () => number;
}

/**
 * One worker: a router and a scheduler with a snapshot of its own (one warm Lambda container each),
 * called with API Gateway events.
 */
export function apiClient(
  registry: Registry,
  options: ClientOptions,
): ApiClient & { duplicates: () => number } {
  let duplicates = 0;
  const { api } = inProcessApi(registry, {
    ...options,
    // Keyed invocations are sometimes executed twice, and the caller sees the first answer.
    invoker: (direct) => ({
      invoke: async (event) => {
        if (!event.idempotencyKey || options.random() >= options.duplicateRate) return direct.invoke(event);
        duplicates++;
        const [first] = await Promise.all([direct.invoke(event), direct.invoke(event)]);
        return first;
      },
    }),
  });
  return {
    duplicates: () => duplicates,
    async place(container, key) {
      const response = await api(
        apiEvent("POST", "/v1/placements", {
          body: JSON.stringify(container),
          ...(key && { headers: { "idempotency-key": key } }),
        }),
      );
      const body = JSON.parse(String(response.body));
      return {
        status: response.statusCode ?? 0,
        ...(response.statusCode === 201 && { placementId: body.placement.id as string }),
        attempts: Number(response.headers?.["x-citadel-attempts"] ?? 0),
        conflicts: Number(response.headers?.["x-citadel-conflicts"] ?? 0),
      };
    },
    async release(placementId) {
      const response = await api(apiEvent("DELETE", `/v1/placements/${placementId}`));
      return response.statusCode ?? 0;
    },
    async resize(hostId, totals) {
      const response = await api(apiEvent("PATCH", `/v1/hosts/${hostId}`, { body: JSON.stringify(totals) }));
      const status = response.statusCode ?? 0;
      if (status !== 200) return { op: "resize", hostId, status };
      const host = JSON.parse(String(response.body));
      return {
        op: "resize",
        hostId,
        status,
        reserved: [host.reserved_cpus, host.reserved_memory],
        total: [host.total_cpus, host.total_memory],
      };
    },
  };
}
