import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PRINTED = /the console at (http:\/\/127\.0\.0\.1:\d+)\//;

it("npm start serves the console at / with no other step (memory store)", async () => {
  // Its own process group, so that npm, tsx and the server stop together.
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, CITADEL_STORE: "memory", PORT: "0" },
    stdio: "pipe",
    detached: true,
  });
  const exited = once(child, "exit");
  try {
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start said nothing in 30 s: ${output}`)), 30_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
        const printed = PRINTED.exec(output);
        if (printed?.[1]) {
          clearTimeout(timer);
          resolve(printed[1]);
        }
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
      });
      void exited.then(() => reject(new Error(`npm start ended: ${output}`)));
    });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/console.js"></script>');
    const script = await fetch(`${url}/console.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect(await (await fetch(`${url}/v1/hosts`)).json()).toEqual({ hosts: [], next: null });
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    await exited;
  }
});
