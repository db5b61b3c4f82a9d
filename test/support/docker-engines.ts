import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The image the tests run: busybox alone, imported (no registry is reachable here). */
export const TEST_IMAGE = "citadel-test/busybox:1";

/** A real `dockerd` of the tests, on its own loopback address with its own data root. */
export interface TestEngine {
  ip: string;
  /** host:port, as a host is registered. */
  addr: string;
  url: string;
  start(): Promise<void>;
  /** Stops the daemon (SIGTERM, as a host that goes away). */
  stop(): Promise<void>;
}

/** Why there are no engines, when `dockerd` is not installed; undefined when it is. */
export function dockerMissing(): string | undefined {
  try {
    execFileSync("dockerd", ["--version"], { stdio: "ignore" });
    execFileSync("busybox", ["--help"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "dockerd or busybox is not installed (Debian: apt-get install docker.io busybox-static; .ci/run does)";
  }
}

/**
 * The engine on 127.0.0.n; every operation goes through its pidfile, so any process may stop or start
 * it. With `tlsDir` (see makeCertificates) it listens on 2376 with `--tlsverify` instead of plain 2375.
 */
export function testEngine(n: number, tlsDir?: string): TestEngine {
  const ip = `127.0.0.${n}`;
  const port = tlsDir ? 2376 : 2375;
  const root = join(tmpdir(), `citadel-dockerd-${n}`);
  const pidfile = join(root, "dockerd.pid");
  const logfile = join(root, "dockerd.log");
  const url = `http://${ip}:2375`;
  const socket = join(root, "docker.sock");
  const stop = async () => {
    if (!existsSync(pidfile)) return;
    const pid = Number(readFileSync(pidfile, "utf8"));
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    await waitFor(() => !isRunning(pid), 30_000, `dockerd ${pid} to stop`);
  };
  return {
    ip,
    addr: `${ip}:${port}`,
    url,
    stop,
    async start() {
      await stop();
      mkdirSync(root, { recursive: true });
      // Docker before 23 derives its engine ID from /etc/docker/key.json, the same for every daemon of the
      // machine; one key per engine gives each its own ID (later releases ignore the setting and keep an
      // ID per data root), as separate machines have.
      const config = join(root, "daemon.json");
      writeFileSync(config, JSON.stringify({ "deprecated-key-path": join(root, "key.json") }));
      const log = openSync(logfile, "a");
      const child = spawn(
        "dockerd",
        [
          `--data-root=${join(root, "data")}`,
          `--exec-root=${join(root, "exec")}`,
          `--pidfile=${pidfile}`,
          `--config-file=${config}`,
          `-H=tcp://${ip}:${port}`,
          `-H=unix://${socket}`,
          "--bridge=none",
          "--iptables=false",
          "--ip6tables=false",
          ...(tlsDir
            ? [
                "--tlsverify",
                `--tlscacert=${join(tlsDir, "ca.pem")}`,
                `--tlscert=${join(tlsDir, "server-cert.pem")}`,
                `--tlskey=${join(tlsDir, "server-key.pem")}`,
              ]
            : []),
        ],
        { stdio: ["ignore", log, log], detached: true },
      );
      child.unref();
      await waitFor(
        async () => {
          if (child.exitCode !== null) {
            throw new Error(`dockerd on ${ip} exited:\n${readFileSync(logfile, "utf8").slice(-2000)}`);
          }
          return pingSocket(socket);
        },
        60_000,
        `dockerd on ${ip}`,
      );
    },
  };
}

/** Starts fresh engines on 127.0.0.2, .3, ... (empty data roots), any earlier daemon there stopped first. */
export async function startFreshEngines(count: number): Promise<TestEngine[]> {
  const engines = Array.from({ length: count }, (_, index) => testEngine(index + 2));
  await Promise.all(engines.map((engine) => engine.stop()));
  for (const engine of engines)
    rmSync(join(tmpdir(), `citadel-dockerd-${engine.ip.split(".")[3]}`), { recursive: true, force: true });
  await Promise.all(engines.map((engine) => engine.start()));
  return engines;
}

/** Imports the busybox image into an engine (`docker import` of a rootfs with busybox, sh and sleep). */
export async function loadTestImage(engine: TestEngine): Promise<void> {
  const [repo, tag] = TEST_IMAGE.split(":");
  const response = await fetch(`${engine.url}/images/create?fromSrc=-&repo=${repo}&tag=${tag}`, {
    method: "POST",
    headers: { "content-type": "application/x-tar" },
    body: testImageTar(),
  });
  const text = await response.text();
  if (!response.ok || text.includes('"error')) throw new Error(`import into ${engine.ip} failed: ${text}`);
}

let tar: Buffer | undefined;

function testImageTar(): Buffer {
  if (tar) return tar;
  const rootfs = join(tmpdir(), "citadel-test-rootfs");
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  writeFileSync(
    join(rootfs, "bin", "busybox"),
    readFileSync(execFileSync("which", ["busybox"]).toString().trim()),
    {
      mode: 0o755,
    },
  );
  for (const name of ["sh", "sleep"]) symlinkSync("busybox", join(rootfs, "bin", name));
  tar = execFileSync("tar", ["-C", rootfs, "-cf", "-", "."], { maxBuffer: 64 * 1024 * 1024 });
  return tar;
}

/** Calls the Docker Engine API of a test engine directly (what an operator's `docker` CLI would do). */
export async function docker(engine: TestEngine, method: string, path: string, body?: unknown) {
  const response = await fetch(`${engine.url}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} on ${engine.ip}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Removes every container of an engine. */
export async function removeAllContainers(engine: TestEngine): Promise<void> {
  const containers: { Id: string }[] = await docker(engine, "GET", "/containers/json?all=true");
  await Promise.all(containers.map((c) => docker(engine, "DELETE", `/containers/${c.Id}?force=true`)));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether the engine answers `/_ping` on its unix socket (which needs no certificates). */
function pingSocket(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ socketPath, path: "/_ping" }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on("error", () => resolve(false));
  });
}

/**
 * A CA, a server certificate for `ip` and a client certificate, made with openssl into a new folder:
 * ca.pem, server-cert.pem, server-key.pem (for dockerd), cert.pem, key.pem (for Citadel, as Docker's
 * DOCKER_CERT_PATH holds them).
 */
export function makeCertificates(ip: string): string {
  const dir = mkdtempSync(join(tmpdir(), "citadel-tls-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  const days = ["-days", "2"];
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
    ...days,
    "-subj",
    "/CN=citadel-test-ca",
  );
  writeFileSync(join(dir, "server.ext"), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, cn, ext] of [
    ["server", ip, "server.ext"],
    ["client", "citadel", "client.ext"],
  ] as const) {
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      `${name}-cert.pem`,
      ...days,
      "-extfile",
      ext,
    );
  }
  writeFileSync(join(dir, "cert.pem"), readFileSync(join(dir, "client-cert.pem")));
  writeFileSync(join(dir, "key.pem"), readFileSync(join(dir, "client-key.pem")));
  return dir;
}
