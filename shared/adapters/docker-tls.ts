import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** Client certificates for Docker engines that listen with `--tlsverify` (PEM text). */
export interface DockerTls {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Where the client certificates come from: a Secrets Manager secret holding `{"ca","cert","key"}` (in
 * AWS), or a folder with `ca.pem`, `cert.pem` and `key.pem` as Docker's DOCKER_CERT_PATH (locally), or
 * nowhere (only plain `tcp://` hosts). The key is never logged.
 */
export function dockerTlsSource(env: NodeJS.ProcessEnv): () => Promise<DockerTls | undefined> {
  const secretId = env.CITADEL_DOCKER_TLS_SECRET;
  const certPath = env.CITADEL_DOCKER_CERT_PATH;
  let loaded: Promise<DockerTls | undefined> | undefined;
  const load = async (): Promise<DockerTls | undefined> => {
    if (secretId) return fromSecret(new SecretsManagerClient({}), secretId);
    if (certPath) {
      const [ca, cert, key] = await Promise.all(
        ["ca.pem", "cert.pem", "key.pem"].map((name) => readFile(join(certPath, name), "utf8")),
      );
      return { ca: String(ca), cert: String(cert), key: String(key) };
    }
    return undefined;
  };
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}

/** Reads and checks the secret's JSON; the error names the missing field, never a value. */
export async function fromSecret(client: SecretsManagerClient, secretId: string): Promise<DockerTls> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const parsed: unknown = JSON.parse(SecretString ?? "{}");
  const value = parsed as Partial<Record<keyof DockerTls, unknown>>;
  for (const field of ["ca", "cert", "key"] as const) {
    if (typeof value[field] !== "string" || value[field] === "") {
      throw new Error(
        `secret ${secretId} must be JSON with string fields ca, cert and key; ${field} is missing`,
      );
    }
  }
  return value as DockerTls;
}
