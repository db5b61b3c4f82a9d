import { lookup } from "node:dns/promises";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { EngineError, type EngineFailure } from "../core/engine.js";
import type { DockerTls } from "./docker-tls.js";

/** Every address a host name resolves to. */
export type Resolve = (hostname: string) => Promise<string[]>;

/** The system's resolver (`getaddrinfo`, as `dns.lookup`), every address. */
export const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true })).map((address) => address.address);

/** Where an engine listens, as its host is registered: a name or an IP, a port, and TLS when it uses it. */
export interface EngineTarget {
  hostname: string;
  port: number;
  tls: DockerTls | undefined;
}

export interface SessionOptions {
  /** Whether Citadel may connect to this IP. */
  allows: (ip: string) => boolean;
  resolve: Resolve;
  /** Ends every call of the session: its sockets are destroyed, so the engine sees them close. */
  signal: AbortSignal;
  /** Calls in flight at once (the agent's sockets). */
  maxSockets: number;
}

export interface Answer {
  status: number;
  /** The answer's JSON; undefined when it had no body. */
  body: unknown;
}

/**
 * One operation's calls to one engine's API (the few Citadel makes; Docker's SDKs bound neither the time
 * nor the size of an answer). The host name is resolved once and every address it resolves to must be
 * allowed; every call goes to that checked IP (the name stays the TLS server name), so a name that
 * resolves again to something else is never contacted. Each answer is read up to a size, and the signal
 * ends everything. A failure is an EngineError in Citadel's words: nothing the engine sent is kept.
 */
export class EngineSession {
  private readonly agent: HttpAgent;

  private constructor(
    private readonly target: EngineTarget,
    private readonly ip: string,
    private readonly signal: AbortSignal,
    maxSockets: number,
  ) {
    const options = { keepAlive: true, maxSockets };
    this.agent = target.tls ? new HttpsAgent(options) : new HttpAgent(options);
    signal.addEventListener("abort", () => this.close(), { once: true });
  }

  /** Resolves and checks the target's address; rejects with `address not allowed`, `unreachable`, `timeout`. */
  static async open(target: EngineTarget, options: SessionOptions): Promise<EngineSession> {
    const addresses = isIP(target.hostname)
      ? [target.hostname]
      : await untilAborted(options.resolve(target.hostname), options.signal).catch((error: unknown) => {
          throw error instanceof EngineError ? error : new EngineError("unreachable");
        });
    const ip = addresses[0];
    if (ip === undefined) throw new EngineError("unreachable");
    if (!addresses.every((address) => options.allows(address))) throw new EngineError("address not allowed");
    return new EngineSession(target, ip, options.signal, options.maxSockets);
  }

  /**
   * One call: a 2xx answer (or one of `accept`) whose body is at most `maxBytes` of JSON. Any other
   * status is `http <status>` (its body unread), a longer body `too large` (the connection closed as
   * soon as it passes the size), a body that is not JSON `invalid answer: body`.
   */
  call(
    method: string,
    path: string,
    options: { maxBytes: number; body?: unknown; accept?: readonly number[] },
  ): Promise<Answer> {
    const { hostname, port, tls } = this.target;
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        this.signal.removeEventListener("abort", onAbort);
        outcome();
      };
      const fail = (reason: EngineFailure) =>
        settle(() => {
          request.destroy();
          reject(new EngineError(reason));
        });
      const onAbort = () => fail("timeout");
      const request = (tls ? httpsRequest : httpRequest)(
        {
          host: this.ip,
          port,
          method,
          path,
          agent: this.agent,
          headers: {
            host: isIP(hostname) === 6 ? `[${hostname}]:${port}` : `${hostname}:${port}`,
            accept: "application/json",
            ...(payload && { "content-type": "application/json", "content-length": payload.length }),
          },
          ...(tls && {
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            ...(isIP(hostname) === 0 && { servername: hostname }),
          }),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (!((status >= 200 && status < 300) || options.accept?.includes(status))) {
            return fail(`http ${status}`);
          }
          if (Number(response.headers["content-length"]) > options.maxBytes) return fail("too large");
          readBody(response, options.maxBytes, fail, (text) =>
            settle(() => {
              if (text === "") return resolve({ status, body: undefined });
              try {
                resolve({ status, body: JSON.parse(text) });
              } catch {
                reject(new EngineError("invalid answer: body"));
              }
            }),
          );
        },
      );
      request.on("error", (error) => fail(this.signal.aborted ? "timeout" : failureOfSocket(error)));
      if (this.signal.aborted) return fail("timeout");
      this.signal.addEventListener("abort", onAbort, { once: true });
      request.end(payload);
    });
  }

  /** Closes every connection of the session. */
  close(): void {
    this.agent.destroy();
  }
}

/** Reads a body up to `maxBytes`, failing with `too large` as soon as it passes them. */
function readBody(
  response: IncomingMessage,
  maxBytes: number,
  fail: (reason: EngineFailure) => void,
  done: (text: string) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  response.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) fail("too large");
    else chunks.push(chunk);
  });
  response.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
  response.on("error", (error) => fail(failureOfSocket(error)));
  response.on("aborted", () => fail("unreachable"));
}

/** A socket's or parser's error in Citadel's words. */
function failureOfSocket(error: NodeJS.ErrnoException): EngineFailure {
  const code = error.code ?? "";
  if (code === "ECONNREFUSED") return "refused";
  if (code === "ETIMEDOUT") return "timeout";
  if (code === "HPE_HEADER_OVERFLOW") return "too large";
  if (code.startsWith("HPE_")) return "invalid answer: http";
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/.test(code)) return "tls";
  if ("library" in error || "reason" in error) return "tls"; // OpenSSL's errors carry these
  return "unreachable";
}

/** `promise`, or a `timeout` EngineError when the signal aborts first (what it does goes on, unawaited). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new EngineError("timeout"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new EngineError("timeout"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
