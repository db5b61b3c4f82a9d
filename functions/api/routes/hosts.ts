import { RefreshRunningError } from "../../../shared/adapters/refresh-invoker.js";
import { addressRefusal } from "../../../shared/core/address.js";
import {
  HOST_ID,
  type Host,
  type HostPatchInput,
  hostPatchSchema,
  newHost,
  newHostSchema,
} from "../../../shared/core/host.js";
import { hostDetailView, hostView } from "../../../shared/core/host-view.js";
import {
  AddrTakenError,
  CapacityBelowReservedError,
  HostBusyError,
  HostExistsError,
  HostNotFoundError,
} from "../../../shared/core/registry.js";
import { totalsOf } from "../../../shared/core/resources.js";
import { parseWith } from "../../../shared/core/validation.js";
import { invalid, json, jsonObjectBody, noContent, problem, type Response } from "../http.js";
import { pageBody, pageQuery } from "../paging.js";
import type { Route, RouteContext } from "./route.js";

const HOST = /^\/v1\/hosts\/([^/]+)$/;

/** Registering, reading, changing and removing Docker hosts. */
export const hostRoutes: Route[] = [
  {
    method: "POST",
    path: /^\/v1\/hosts$/,
    handle: async ({ event, deps }) => {
      const read = jsonObjectBody(event);
      if ("refused" in read) return read.refused;
      const parsed = parseWith(newHostSchema, read.body);
      if (!parsed.ok) return invalid(parsed.issues);
      const host = newHost(parsed.value, deps.now());
      const refused = addressRefusal(host.addr, deps.hostAllowlist);
      if (refused) return invalid([{ path: "addr", message: refused }]);
      try {
        await deps.registry.addHost(host);
      } catch (error) {
        if (error instanceof HostExistsError)
          return problem(409, "host_exists", error.message, { id: host.id });
        if (error instanceof AddrTakenError)
          return problem(409, "addr_taken", error.message, { addr: error.addr, host_id: error.hostId });
        throw error;
      }
      return json(201, hostView(host), { location: `/v1/hosts/${host.id}` });
    },
  },
  {
    method: "POST",
    path: /^\/v1\/hosts\/refresh$/,
    handle: async ({ deps }) => {
      try {
        return json(200, await deps.refresh());
      } catch (error) {
        if (!(error instanceof RefreshRunningError)) throw error;
        return problem(503, "refresh_running", error.message, {}, { "retry-after": "5" });
      }
    },
  },
  {
    method: "GET",
    path: /^\/v1\/hosts$/,
    query: ["limit", "next"],
    handle: async ({ query, deps }) => {
      const asked = pageQuery(query, "hosts", (at) => HOST_ID.test(at));
      if ("refused" in asked) return asked.refused;
      const page = await deps.registry.pageHosts(asked.limit, asked.after);
      return json(
        200,
        pageBody("hosts", page.hosts, page.next, hostView, (host) => host.id),
      );
    },
  },
  {
    method: "GET",
    path: HOST,
    handle: (context) =>
      withHostId(context.params[0] ?? "", async (id) => {
        const host = await context.deps.registry.getHost(id);
        return host ? json(200, hostDetailView(host)) : hostNotFound(id);
      }),
  },
  {
    method: "PATCH",
    path: HOST,
    handle: (context) =>
      withHostId(context.params[0] ?? "", async (id) => {
        const read = jsonObjectBody(context.event);
        if ("refused" in read) return read.refused;
        const parsed = parseWith(hostPatchSchema, read.body);
        if (!parsed.ok) return invalid(parsed.issues);
        try {
          return json(200, hostView(await changeHost(context, id, parsed.value)));
        } catch (error) {
          if (error instanceof HostNotFoundError) return hostNotFound(id);
          if (error instanceof CapacityBelowReservedError)
            return problem(409, "capacity_below_reserved", error.message);
          throw error;
        }
      }),
  },
  {
    method: "DELETE",
    path: HOST,
    query: ["force"],
    handle: (context) =>
      withHostId(context.params[0] ?? "", async (id) => {
        const force = context.query.force;
        if (force !== undefined && force !== "true" && force !== "false") {
          return invalid([{ path: "force", message: "must be true or false" }]);
        }
        try {
          return (await context.deps.registry.removeHost(id, force === "true"))
            ? noContent()
            : hostNotFound(id);
        } catch (error) {
          if (error instanceof HostBusyError) {
            return problem(409, "host_busy", error.message, { placements: error.placements });
          }
          throw error;
        }
      }),
  },
];

/** Runs `action` with a host id from the request, or answers 404 when it cannot be a host id. */
export async function withHostId(id: string, action: (id: string) => Promise<Response>) {
  return HOST_ID.test(id) ? action(id) : hostNotFound(id);
}

export function hostNotFound(id: string): Response {
  return problem(404, "host_not_found", `no host ${JSON.stringify(id)} is registered`);
}

function changeHost({ deps }: RouteContext, id: string, patch: HostPatchInput): Promise<Host> {
  return deps.registry.changeHost(
    id,
    {
      ...(patch.status && { status: patch.status }),
      ...(patch.labels && { labels: patch.labels }),
      total: totalsOf(patch),
      declared: totalsOf(patch),
      ...(patch.port_range && { portRange: patch.port_range }),
      ...(patch.gpus && { gpus: patch.gpus }),
    },
    deps.now(),
  );
}
