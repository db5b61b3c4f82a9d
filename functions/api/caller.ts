import { createHash } from "node:crypto";
import type {
  APIGatewayEventRequestContextIAMAuthorizer,
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayProxyEventV2,
} from "aws-lambda";

/**
 * A caller's digest: bounded whatever an identity's length, and the same for every request of the caller.
 * Placements record it as their owner; idempotency keys are recorded under it.
 */
export function callerDigest(caller: string): string {
  return createHash("sha256").update(caller).digest("base64url");
}

/** The caller of a request that came through no authorizer: the local server (`npm start`). */
export const ANONYMOUS = "anonymous";

type Authorizer = Partial<APIGatewayEventRequestContextIAMAuthorizer> &
  Partial<APIGatewayEventRequestContextJWTAuthorizer>;

/**
 * Who sent the request, as API Gateway authenticated them: the IAM principal (`iam:<userArn>`, or its
 * account and caller id when the ARN is absent), or the JWT's issuer and subject (`jwt:["<iss>","<sub>"]`,
 * JSON so that no issuer and subject pair reads as another). Idempotency keys are scoped to it, so that
 * one caller can neither take nor read another's key. Without an authorizer (the local server) every
 * request is the same caller, `anonymous`.
 */
export function callerOf(event: APIGatewayProxyEventV2): string {
  const authorizer = (event.requestContext as { authorizer?: Authorizer }).authorizer;
  const iam = authorizer?.iam;
  if (iam?.userArn) return `iam:${iam.userArn}`;
  if (iam?.accountId || iam?.callerId)
    return `iam:${JSON.stringify([iam.accountId ?? "", iam.callerId ?? ""])}`;
  const claims = authorizer?.jwt?.claims;
  // A machine's token (OAuth client credentials) may carry its client's id instead of a subject.
  const subject = claims?.sub ?? claims?.client_id ?? claims?.azp;
  if (subject !== undefined) return `jwt:${JSON.stringify([String(claims?.iss ?? ""), String(subject)])}`;
  return ANONYMOUS;
}
