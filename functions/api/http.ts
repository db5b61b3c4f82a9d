import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { forbiddenKeys, MAX_JSON_DEPTH, nestsDeeperThan } from "../../shared/core/json-body.js";
import type { InputIssue } from "../../shared/core/validation.js";

export type Response = APIGatewayProxyStructuredResultV2;

/** Request bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A JSON answer. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): Response {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** An error answer: `{"error": code, "message": ..., ...extra}`. */
export function problem(
  statusCode: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return json(statusCode, { error, message, ...extra }, headers);
}

/** A 400 naming every problem found in the input. */
export function invalid(issues: InputIssue[]): Response {
  const message = issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join("; ");
  return problem(400, "invalid_request", message, { details: issues });
}

export function noContent(): Response {
  return { statusCode: 204 };
}

export function tooLarge(): Response {
  return problem(413, "payload_too_large", `request bodies are at most ${MAX_BODY_BYTES} bytes`);
}

/**
 * The body as a JSON object, or the answer that refuses it: 413 when too large, 415 for a content
 * type other than JSON, 400 for invalid JSON, a body that is not an object, one nested deeper than
 * MAX_JSON_DEPTH, or one holding a `__proto__`, `constructor` or `prototype` key anywhere. Every body
 * is read here, so no route and no schema sees such a body.
 */
export function jsonObjectBody(
  event: APIGatewayProxyEventV2,
): { body: Record<string, unknown> } | { refused: Response } {
  const contentType = event.headers?.["content-type"];
  if (contentType && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    return { refused: problem(415, "unsupported_media_type", "send the body as application/json") };
  }
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > MAX_BODY_BYTES) return { refused: tooLarge() };
  const text = bytes.toString("utf8");
  // Before anything recursive (a validator, JSON.stringify) touches the value.
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return {
      refused: invalid([
        { path: "", message: `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels` },
      ]),
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { refused: problem(400, "invalid_json", "the body is not valid JSON") };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { refused: problem(400, "invalid_request", "the body must be a JSON object") };
  }
  const forbidden = forbiddenKeys(body);
  if (forbidden.length > 0) return { refused: invalid(forbidden) };
  return { body: body as Record<string, unknown> };
}
