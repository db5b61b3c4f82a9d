import type { Node } from "constructs";
import { PRIVATE_RANGES, parseAllowlist } from "../shared/core/address.js";
import { parseSchedulerTypes, type SchedulerType, schedulerTypeJson } from "../shared/core/schedulers.js";

/** Where the Lambdas that reach Docker hosts run: private subnets of an existing VPC. */
export interface VpcPlacement {
  vpcId: string;
  subnetIds: string[];
  availabilityZones: string[];
}

/** The JWT scope that grants each role (see functions/api/access.ts). */
export interface JwtScopes {
  client: string;
  operator: string;
}

/**
 * How callers authenticate: SigV4 (IAM) by default, each caller allowed by one of the stack's two
 * managed policies; or JWTs from an OIDC issuer, each route requiring its roles' scopes.
 */
export type ApiAuth =
  | { mode: "iam" }
  | { mode: "jwt"; issuer: string; audience: string[]; scopes: JwtScopes };

/** Everything a deployment may choose; every default deploys as it is. */
export interface CitadelConfig {
  /** Keep the tables on `cdk destroy` and protect them from deletion. */
  retainData: boolean;
  /** Minutes between capacity refreshes. */
  refreshMinutes: number;
  /** The most shards a refresh round runs at once: the refresh worker's reserved concurrency. */
  refreshWorkers: number;
  /** Reserved concurrency of each scheduler Lambda; undefined: unreserved (accounts at the 10 limit). */
  schedulerConcurrency: number | undefined;
  /** API Gateway throttling of the whole API: steady requests per second and burst. */
  apiRateLimit: number;
  apiBurstLimit: number;
  vpc: VpcPlacement | undefined;
  /** Secrets Manager secret of `{"ca","cert","key"}` for Docker hosts on TLS. */
  dockerTlsSecretArn: string | undefined;
  auth: ApiAuth;
  logRetentionDays: number;
  /** Email address the alarms notify, if any. */
  alarmEmail: string | undefined;
  /** CIDRs whose addresses may be registered as Docker hosts (CITADEL_HOST_CIDRS), comma-separated. */
  hostCidrs: string;
  /** Scheduler types beside the built-in ones: each gets its own scheduler Lambda (CITADEL_SCHEDULER_TYPES). */
  schedulerTypes: SchedulerType[];
}

/** JWT scopes by default: `citadel/place` for clients, `citadel/operate` for operators. */
export const DEFAULT_SCOPES: JwtScopes = { client: "citadel/place", operator: "citadel/operate" };

export const DEFAULTS: CitadelConfig = {
  retainData: true,
  refreshMinutes: 1,
  refreshWorkers: 100,
  schedulerConcurrency: 10,
  apiRateLimit: 100,
  apiBurstLimit: 200,
  vpc: undefined,
  dockerTlsSecretArn: undefined,
  auth: { mode: "iam" },
  logRetentionDays: 30,
  alarmEmail: undefined,
  hostCidrs: PRIVATE_RANGES.join(","),
  schedulerTypes: [],
};

/**
 * The most bytes of JSON the configured scheduler types may take: they travel in the functions'
 * environment (CITADEL_SCHEDULER_TYPES), which Lambda bounds at 4 KB together with the other variables.
 */
export const MAX_SCHEDULER_TYPES_BYTES = 2048;

/**
 * Reads the `citadel:*` context values (cdk.json, or `-c citadel:name=value`) over the defaults;
 * throws naming the value when one is malformed, so that a bad deploy fails at synth.
 */
export function configFromContext(node: Node): CitadelConfig {
  const read = (name: string): unknown => node.tryGetContext(`citadel:${name}`);
  const text = (name: string): string | undefined => {
    const value = read(name);
    if (value === undefined || value === "") return undefined;
    if (typeof value !== "string") throw new Error(`context citadel:${name} must be a string`);
    return value;
  };
  const whole = (name: string, fallback: number, min: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) {
      throw new Error(
        `context citadel:${name} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`,
      );
    }
    return number;
  };
  const json = <T>(name: string): T | undefined => {
    const value = read(name);
    return typeof value === "string" ? (JSON.parse(value) as T) : (value as T | undefined);
  };

  const concurrency = read("schedulerConcurrency");
  const authMode = text("auth") ?? "iam";
  if (authMode !== "iam" && authMode !== "jwt")
    throw new Error('context citadel:auth must be "iam" or "jwt"');
  const auth: ApiAuth =
    authMode === "iam"
      ? { mode: "iam" }
      : {
          mode: "jwt",
          issuer: required(text("jwtIssuer"), "citadel:jwtIssuer (with citadel:auth=jwt)"),
          audience: list(required(text("jwtAudience"), "citadel:jwtAudience (with citadel:auth=jwt)")),
          scopes: {
            client: text("jwtPlaceScope") ?? DEFAULT_SCOPES.client,
            operator: text("jwtOperateScope") ?? DEFAULT_SCOPES.operator,
          },
        };
  if (auth.mode === "jwt" && auth.audience.length === 0)
    throw new Error("context citadel:jwtAudience must name at least one audience");
  if (auth.mode === "jwt" && auth.scopes.client === auth.scopes.operator)
    throw new Error("context citadel:jwtPlaceScope and citadel:jwtOperateScope must differ");
  const vpc = json<VpcPlacement>("vpc");
  if (
    vpc &&
    (!vpc.vpcId || !vpc.subnetIds?.length || vpc.subnetIds.length !== vpc.availabilityZones?.length)
  ) {
    throw new Error(
      "context citadel:vpc must be {vpcId, subnetIds: [...], availabilityZones: [...]} of equal lengths",
    );
  }
  return {
    retainData: String(read("retainData") ?? "true") !== "false",
    refreshMinutes: whole("refreshMinutes", DEFAULTS.refreshMinutes, 1),
    refreshWorkers: whole("refreshWorkers", DEFAULTS.refreshWorkers, 1),
    schedulerConcurrency:
      concurrency === "none"
        ? undefined
        : whole("schedulerConcurrency", DEFAULTS.schedulerConcurrency ?? 10, 1),
    apiRateLimit: whole("apiRateLimit", DEFAULTS.apiRateLimit, 1),
    apiBurstLimit: whole("apiBurstLimit", DEFAULTS.apiBurstLimit, 1),
    vpc,
    dockerTlsSecretArn: text("dockerTlsSecretArn"),
    auth,
    logRetentionDays: whole("logRetentionDays", DEFAULTS.logRetentionDays, 1),
    alarmEmail: text("alarmEmail"),
    hostCidrs: hostCidrs(text("hostCidrs") ?? DEFAULTS.hostCidrs),
    schedulerTypes: schedulerTypes(read("schedulerTypes")),
  };
}

/** The configured scheduler types: refused at synth as the functions would refuse them at start, or when too long. */
function schedulerTypes(value: unknown): SchedulerType[] {
  if (value === undefined || value === "") return [];
  const types = parseSchedulerTypes(value, "context citadel:schedulerTypes");
  const bytes = new TextEncoder().encode(JSON.stringify(types.map(schedulerTypeJson))).length;
  if (bytes > MAX_SCHEDULER_TYPES_BYTES) {
    throw new Error(
      `context citadel:schedulerTypes: at most ${MAX_SCHEDULER_TYPES_BYTES} bytes of JSON (Lambda's environment is 4 KB), got ${bytes}`,
    );
  }
  return types;
}

/** The allowlist as the functions will read it: refused at synth if they would refuse it at start. */
function hostCidrs(text: string): string {
  const allowlist = parseAllowlist(text);
  if (typeof allowlist === "string") throw new Error(`context citadel:hostCidrs: ${allowlist}`);
  return text;
}

/** A comma-separated list, each entry trimmed, empty entries dropped (`"a, b,"` is `["a", "b"]`). */
function list(text: string): string[] {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`context ${name} is required`);
  return value;
}
