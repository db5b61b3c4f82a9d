import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4, type SignatureV4Init } from "@smithy/signature-v4";

/** The service name API Gateway's IAM authorization checks signatures for. */
export const EXECUTE_API = "execute-api";

/** A request about to be sent: what a signature covers. */
export interface Outgoing {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Whom to sign as, for which service and region. */
export interface Signing {
  service: string;
  region: string;
  /** Credentials, or the provider that finds them (the SDK's chain). */
  credentials: SignatureV4Init["credentials"];
}

/**
 * The headers that sign `request` with SigV4 (`authorization`, `x-amz-date`, and
 * `x-amz-security-token` for temporary credentials), made by the AWS SDK's own signer. They cover the
 * method, host, path, query, the request's headers and the body's SHA-256.
 */
export async function sigV4Headers(
  request: Outgoing,
  signing: Signing,
  at = new Date(),
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ ...signing, sha256: Sha256, applyChecksum: false });
  const { url } = request;
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...request.headers, host: url.host },
      ...(request.body !== undefined && { body: request.body }),
    },
    { signingDate: at },
  );
  return Object.fromEntries(
    Object.entries(signed.headers).filter(([name]) => name !== "host" && !(name in request.headers)),
  );
}
