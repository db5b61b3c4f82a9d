import type { Problem } from "./bodies.js";

/** An answer other than 2xx: its status, its body, and the seconds of its `Retry-After`, if any. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfter: string | null,
  ) {
    super(problem.message);
  }
}

/** A method the API takes, a path under the console's own origin, and an optional JSON body. */
export interface Call {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Calls the API at the console's own origin (`npm start`'s server, or `citadel console`'s proxy), and
 * answers the 2xx answer's JSON body (undefined for a 204); any other answer is thrown as an ApiFailure.
 */
export async function call<T>(request: Call): Promise<T> {
  const response = await fetch(request.path, {
    method: request.method,
    headers: {
      accept: "application/json",
      ...(request.body !== undefined && { "content-type": "application/json" }),
      ...request.headers,
    },
    ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
  });
  const text = await response.text();
  const body: unknown = text === "" ? undefined : parsed(text);
  if (!response.ok) {
    const problem =
      typeof body === "object" && body !== null && typeof (body as Problem).message === "string"
        ? (body as Problem)
        : { message: `${response.status} ${response.statusText}`.trim() };
    throw new ApiFailure(response.status, problem, response.headers.get("retry-after"));
  }
  return body as T;
}

/** What failed, in words: the API's (or a gateway's) message, or the browser's when it reached nothing. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A refusal a view says in place of what it lists, as `{refused: message}`: 404 (no such host, no
 * profile yet) or 400 (not a host id, not an image reference). Any other failure is thrown again.
 */
export function refusal(error: unknown): { refused: string } {
  if (error instanceof ApiFailure && (error.status === 404 || error.status === 400)) {
    return { refused: error.message };
  }
  throw error;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A GET of `path`. */
export function get<T>(path: string): Promise<T> {
  return call<T>({ method: "GET", path });
}

/** One page of a listing: its items under `key`, and the cursor of the next page (null on the last). */
export type Page<K extends string, T> = { [key in K]: T[] } & { next: string | null };

/** One page of the listing at `path`, with `query` (`limit`, `next`, `host`; undefined ones left out). */
export function getPage<K extends string, T>(
  path: string,
  query: Record<string, string | undefined>,
): Promise<Page<K, T>> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, value);
  const text = search.toString();
  return get<Page<K, T>>(text === "" ? path : `${path}?${text}`);
}

/** Every item of a listing, following `next` from page to page (of the API's largest size: fewer calls). */
export async function allPages<T>(
  path: string,
  key: "hosts" | "placements",
  query: Record<string, string> = {},
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const page: Page<typeof key, T> = await getPage(path, { limit: "1000", ...query, next });
    items.push(...page[key]);
    next = page.next ?? undefined;
  } while (next !== undefined);
  return items;
}

/** `/v1/hosts/{id}`. */
export function hostPath(id: string): string {
  return `/v1/hosts/${encodeURIComponent(id)}`;
}

/** `/v1/placements/{id}`. */
export function placementPath(id: string): string {
  return `/v1/placements/${encodeURIComponent(id)}`;
}

/** `/v1/images/{image}/profile`: an image has slashes of its own, each of its segments one of the path's. */
export function profilePath(image: string): string {
  return `/v1/images/${image.split("/").map(encodeURIComponent).join("/")}/profile`;
}
