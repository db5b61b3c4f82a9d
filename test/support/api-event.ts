import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";

/** An API Gateway (HTTP API, payload 2.0) event, as the router Lambda receives one; `authorizer` as its authorizer left it. */
export function apiEvent(
  method: string,
  path: string,
  options: {
    body?: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    authorizer?: Record<string, unknown>;
  } = {},
): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { "content-type": "application/json", ...options.headers },
    ...(options.query && { queryStringParameters: options.query }),
    requestContext: {
      accountId: "test",
      apiId: "test",
      domainName: "test",
      domainPrefix: "test",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(options.authorizer && { authorizer: options.authorizer }),
    },
    ...(options.body !== undefined && { body: options.body }),
    isBase64Encoded: false,
  };
}

/** What API Gateway's IAM authorizer leaves for a SigV4 request of the principal `userArn`. */
export function iamAuthorizer(userArn: string) {
  return {
    iam: {
      accessKey: "AKIA",
      accountId: userArn.split(":")[4],
      callerId: "AIDA",
      cognitoIdentity: null,
      principalOrgId: "",
      userArn,
      userId: "AIDA",
    },
  };
}
