import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

/** Who the gateway lets through: SigV4 by these credentials for this region, or this bearer token. */
export interface Admits {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  region: string;
  token: string;
}

/** The environment that gives the AWS SDK's credential chain the credentials `admits` admits. */
export function credentialEnv(admits: Admits): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: admits.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: admits.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: admits.credentials.sessionToken,
  };
}

/** A running gateway, and the Authorization headers of the requests it let through. */
export interface Gateway {
  url: string;
  admitted: string[];
  stop(): Promise<void>;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/;

/**
 * A loopback stand-in for API Gateway in front of `target`: it lets through requests signed for
 * `execute-api` in `admits.region` whose signature it recomputes, with the AWS SDK's signer, from the
 * known credentials, the request's signed headers, path, query and body, and `x-amz-date`; and
 * requests bearing the token. Others get API Gateway's 403 or 401. What it lets through goes on to
 * `target` unchanged (signing headers aside), and its answer comes back.
 */
export async function gateway(target: string, admits: Admits): Promise<Gateway> {
  const admitted: string[] = [];
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const authorization = request.headers.authorization ?? "";
    const refusal = authorization.startsWith("Bearer ")
      ? authorization === `Bearer ${admits.token}`
        ? undefined
        : { status: 401, message: "Unauthorized" }
      : await signatureRefusal(request, body, admits);
    if (refusal) {
      response.writeHead(refusal.status, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: refusal.message }));
      return;
    }
    admitted.push(authorization);
    const forwarded = Object.fromEntries(
      ["content-type", "idempotency-key"].flatMap((name) => {
        const value = request.headers[name];
        return typeof value === "string" ? [[name, value]] : [];
      }),
    );
    const answer = await fetch(new URL(request.url ?? "/", target), {
      method: request.method ?? "GET",
      headers: forwarded,
      ...(body.length > 0 && { body }),
    });
    response.writeHead(answer.status, Object.fromEntries(answer.headers));
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    admitted,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Why a request's signature does not pass (API Gateway's 403), or undefined when it does. */
async function signatureRefusal(request: IncomingMessage, body: Buffer, admits: Admits) {
  const given = request.headers.authorization ?? "";
  const [, accessKeyId, region, service, signedHeaders] = AUTHORIZATION.exec(given) ?? [];
  if (!signedHeaders) return { status: 403, message: "Missing Authentication Token" };
  if (
    accessKeyId !== admits.credentials.accessKeyId ||
    region !== admits.region ||
    service !== "execute-api"
  ) {
    return { status: 403, message: `not signed for execute-api in ${admits.region} by the known key` };
  }
  const headers = Object.fromEntries(
    signedHeaders.split(";").map((name) => [name, String(request.headers[name] ?? "")]),
  );
  const url = new URL(request.url ?? "/", `http://${request.headers.host}`);
  const signer = new SignatureV4({
    service,
    region,
    credentials: admits.credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const recomputed = await signer.sign(
    {
      method: request.method ?? "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body.length > 0 && { body: body.toString("utf8") }),
    },
    { signingDate: amzDate(headers["x-amz-date"] ?? "") },
  );
  return recomputed.headers.authorization === given
    ? undefined
    : {
        status: 403,
        message: "The request signature we calculated does not match the signature you provided.",
      };
}

/** `20150830T123600Z` as a Date. */
function amzDate(text: string): Date {
  return new Date(text.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
