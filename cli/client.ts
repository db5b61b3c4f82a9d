import type { Authorize } from "./auth.js";
import { ApiError } from "./exit.js";

/** One call of the API: a method, a path under the endpoint, and its query, JSON body and headers. */
export interface Call {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** A body already serialized, sent as it is instead of `body` (the console's proxy forwards the browser's). */
  text?: string;
  headers?: Record<string, string>;
}

/** Calls the API at `endpoint`, each request authorized by `authorize`. */
export class Client {
  constructor(
    readonly endpoint: URL,
    private readonly authorize: Authorize,
  ) {}

  /**
   * Sends `call`, and answers the 2xx answer's JSON body (undefined when it has none, as a 204's); an
   * answer other than 2xx is thrown as an ApiError, a failed connection as an Error.
   */
  async call(call: Call): Promise<unknown> {
    const response = await this.send(call);
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const problem =
        typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : { message: text.trim() || `${response.status} ${response.statusText}` };
      throw new ApiError(response.status, problem, response.headers.get("retry-after"));
    }
    return parsed;
  }

  /**
   * Sends `call` authorized, and answers the API's answer as it is, whatever its status (the console's
   * proxy hands it back to the browser); a failed connection is thrown as an Error.
   */
  async send(call: Call): Promise<Response> {
    const url = new URL(this.endpoint);
    url.pathname = `${url.pathname.replace(/\/$/, "")}${call.path}`;
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const body = call.text ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
    const headers = {
      accept: "application/json",
      ...(body !== undefined && { "content-type": "application/json" }),
      ...call.headers,
    };
    const signed = await this.authorize({
      method: call.method,
      url,
      headers,
      ...(body !== undefined && { body }),
    });
    try {
      return await fetch(url, { method: call.method, headers: { ...headers, ...signed }, body });
    } catch (error) {
      throw new Error(`cannot reach ${url.origin}: ${reasonOf(error)}`);
    }
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What failed in a connection: fetch says "fetch failed" and puts the reason in its `cause`. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  return String(cause?.code ?? cause?.message ?? (error as Error).message);
}
