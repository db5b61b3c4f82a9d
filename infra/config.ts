import type { Node } from "constructs";

/** Where the Lambdas that reach Docker hosts run: private subnets of an existing VPC. */
export interface VpcPlacement {
  vpcId: string;
  subnetIds: string[];
  availabilityZones: string[];
}

/** How callers authenticate: SigV4 (IAM) by default, or JWTs from an OIDC issuer. */
export type ApiAuth = { mode: "iam" } | { mode: "jwt"; issuer: string; audience: string[] };

/** Everything a deployment may choose; every default deploys as it is. */
export interface CitadelConfig {
  /** Keep the tables on `cdk destroy` and protect them from deletion. */
  retainData: boolean;
  /** Minutes between capacity refreshes. */
  refreshMinutes: number;
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
}

export const DEFAULTS: CitadelConfig = {
  retainData: true,
  refreshMinutes: 1,
  schedulerConcurrency: 10,
  apiRateLimit: 100,
  apiBurstLimit: 200,
  vpc: undefined,
  dockerTlsSecretArn: undefined,
  auth: { mode: "iam" },
  logRetentionDays: 30,
  alarmEmail: undefined,
};

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
          audience: required(text("jwtAudience"), "citadel:jwtAudience (with citadel:auth=jwt)").split(","),
        };
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
  };
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`context ${name} is required`);
  return value;
}
