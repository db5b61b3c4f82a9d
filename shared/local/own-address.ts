import type { IncomingMessage } from "node:http";

/** The loopback address local servers listen on. */
export const LOOPBACK = "127.0.0.1";

/**
 * What a local server on loopback port `port` answers to: requests addressed to its own host name
 * (`127.0.0.1:port` or `localhost:port`), and, from a browser, its own pages' calls. Any page a
 * browser has open can send requests to loopback: a Host of another name is DNS rebinding, an Origin
 * or Sec-Fetch-Site of another site is a cross-site request, and neither may reach the API.
 */
export class OwnAddress {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(port: number) {
    const names = [LOOPBACK, "localhost"];
    this.hosts = new Set(names.map((name) => `${name}:${port}`));
    this.origins = new Set(names.map((name) => `http://${name}:${port}`));
  }

  /** Whether the request names this server as its host. */
  addressed(request: IncomingMessage): boolean {
    return this.hosts.has(request.headers.host ?? "");
  }

  /** Whether the request comes from another site's page (a request without Origin is a program's). */
  crossSite(request: IncomingMessage): boolean {
    const { origin } = request.headers;
    const site = request.headers["sec-fetch-site"];
    return (
      (origin !== undefined && !this.origins.has(origin)) ||
      (site !== undefined && site !== "same-origin" && site !== "none")
    );
  }
}
