import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { dockerTlsSource, fromSecret } from "../../shared/adapters/docker-tls.js";

// Secrets Manager cannot run here: its answers are mocked. The certificates' real use (a dockerd with
// --tlsverify) is tested in test/docker.
const secrets = mockClient(SecretsManagerClient);
// The mock patches the client class itself: give it back to the other test files of this worker.
afterAll(() => secrets.restore());

afterEach(() => secrets.reset());

describe("Docker client certificates", () => {
  it("come from a Secrets Manager secret of {ca, cert, key}", async () => {
    const material = { ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM" };
    secrets.on(GetSecretValueCommand, { SecretId: "citadel-docker" }).resolves({
      SecretString: JSON.stringify(material),
    });
    expect(await fromSecret(new SecretsManagerClient({}), "citadel-docker")).toEqual(material);
  });

  it("a malformed secret names the missing field, never a value", async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ ca: "CA PEM", cert: "CERT PEM" }) });
    const failure = fromSecret(new SecretsManagerClient({}), "citadel-docker");
    await expect(failure).rejects.toThrow(
      "secret citadel-docker must be JSON with string fields ca, cert and key; key is missing",
    );
    await expect(failure).rejects.not.toThrow(/CA PEM|CERT PEM/);
  });

  it("come from a folder as DOCKER_CERT_PATH holds them, loaded once; none when nothing is configured", async () => {
    const dir = mkdtempSync(join(tmpdir(), "citadel-certs-"));
    for (const name of ["ca", "cert", "key"]) writeFileSync(join(dir, `${name}.pem`), `${name} pem`);
    const load = dockerTlsSource({ CITADEL_DOCKER_CERT_PATH: dir });
    expect(await load()).toEqual({ ca: "ca pem", cert: "cert pem", key: "key pem" });
    expect(load()).toBe(load());
    expect(await dockerTlsSource({})()).toBeUndefined();
  });
});
