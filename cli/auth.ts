import { UsageError } from "./exit.js";
import { EXECUTE_API, type Outgoing, sigV4Headers } from "./sign.js";

/** The flags that say where the API is and how to authenticate to it. */
export interface ConnectionOptions {
  endpoint: string;
  token?: string;
  sigv4?: boolean;
  region?: string;
}

/** The headers that authorize a request. */
export type Authorize = (request: Outgoing) => Promise<Record<string, string>>;

/** `<api-id>.execute-api.<region>.amazonaws.com`: the default endpoint of an API Gateway API. */
const API_GATEWAY_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The region an API Gateway endpoint names in its host name; undefined for any other host. */
export function regionOfHost(url: URL): string | undefined {
  return API_GATEWAY_HOST.exec(url.hostname)?.[1];
}

/**
 * How requests to `url` are authorized: the JWT of `--token` as a bearer token; SigV4 with `--sigv4`,
 * `--region`, or any HTTPS endpoint (API Gateway's are), with the AWS SDK's default credential chain
 * (environment, profiles, SSO, ...) and the region of `--region`, of the endpoint's host name, or of
 * the SDK's configuration (`AWS_REGION`, the profile); nothing otherwise (the local server).
 */
export function authorization(url: URL, options: ConnectionOptions): Authorize {
  if (options.token !== undefined) {
    if (options.sigv4 || options.region !== undefined) {
      throw new UsageError("--token (a JWT) and SigV4 signing (--sigv4, --region) exclude each other");
    }
    const header = { authorization: `Bearer ${options.token}` };
    return async () => header;
  }
  if (!options.sigv4 && options.region === undefined && url.protocol !== "https:") return async () => ({});
  const signing = once(async () => ({
    service: EXECUTE_API,
    region: options.region ?? regionOfHost(url) ?? (await configuredRegion()),
    credentials: (await import("@aws-sdk/credential-provider-node")).defaultProvider(),
  }));
  return async (request) => sigV4Headers(request, await signing());
}

/** The region of the SDK's configuration: `AWS_REGION`, or the profile's `region`. */
async function configuredRegion(): Promise<string> {
  const { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } = await import(
    "@smithy/core/config"
  );
  const region = await loadConfig(
    { ...NODE_REGION_CONFIG_OPTIONS, default: () => undefined },
    NODE_REGION_CONFIG_FILE_OPTIONS,
  )();
  if (region === undefined) {
    throw new UsageError("no AWS region to sign for: give --region, or set AWS_REGION or a profile's region");
  }
  return region;
}

/** `make`, run on the first call only; later calls answer the first call's promise. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}
