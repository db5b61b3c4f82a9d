import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { Invoker } from "../../../shared/adapters/invoker.js";
import type { Refresher } from "../../../shared/adapters/refresh-invoker.js";
import type { Allowlist } from "../../../shared/core/address.js";
import type { ProfileStore } from "../../../shared/core/profile.js";
import type { Registry } from "../../../shared/core/registry.js";
import type { SchedulerType } from "../../../shared/core/schedulers.js";
import type { Response } from "../http.js";

/** What the API's routes use: the registry, the scheduler types and their invoker, the refresh, profiles, a clock and a logger. */
export interface ApiDependencies {
  registry: Registry;
  /** The ranges a registered host's IP address must be in (`CITADEL_HOST_CIDRS`). */
  hostAllowlist: Allowlist;
  /** The scheduler types configured (see schedulerTypes): what a request's `type` may be; the built-in ones when absent. */
  schedulers?: readonly SchedulerType[];
  invoker: Invoker;
  refresh: Refresher;
  profiles: ProfileStore;
  now: () => Date;
  logger: Logger;
}

export interface RouteContext {
  event: APIGatewayProxyEventV2;
  /** The path's captured segments, URL-decoded. */
  params: string[];
  query: Record<string, string>;
  correlationId: string;
  deps: ApiDependencies;
}

/** One route: a method, a path pattern whose groups become `params`, and the query parameters it takes. */
export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: RegExp;
  query?: readonly string[];
  handle(context: RouteContext): Promise<Response>;
}
