import { describe, expect, it } from "vitest";
import { blockAfter, readmeSession } from "../support/readme.js";

// The README's session of disk and host ports, run as written against the local stack.
const MARKER = "**Resources: disk and host ports.**";
const firstExample = JSON.parse(blockAfter("The first goes to the roomier", "json"));
const refusedExample = JSON.parse(blockAfter("and the third:", "json"));

const lines = readmeSession(MARKER);

describe("the README's resources session", () => {
  it("registers both hosts with their disk and port range", () => {
    expect(lines[0]).toMatchObject({ id: "web-1", total_disk: 20480, port_range: "30000-30099" });
    expect(lines[1]).toMatchObject({ id: "web-2", total_disk: 20480, port_range: "20000-32767" });
  });

  it("places the two web servers on port 80 of each host, with disk and a metrics port, as shown", () => {
    // biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
    const [first, second] = lines.slice(2, 4) as any[];
    expect(first.container).toEqual(firstExample.container);
    expect(first.resource).toEqual(firstExample.resource);
    const [web, metrics] = first.placement.ports;
    const [shownWeb, shownMetrics] = firstExample.placement.ports;
    expect(first.placement).toMatchObject({
      ...firstExample.placement,
      ports: [shownWeb, expect.anything()],
    });
    expect(web).toEqual(shownWeb);
    expect(metrics).toMatchObject({ container: shownMetrics.container, protocol: "tcp" });
    expect(metrics.host).toBeGreaterThanOrEqual(30000);
    expect(metrics.host).toBeLessThanOrEqual(30099);
    expect(second.resource.id).toBe("web-2");
    expect(second.placement.ports[0]).toEqual(shownWeb);
  });

  it("says the third finds port 80 taken everywhere, as shown", () => {
    expect(lines[4]).toEqual(refusedExample);
    expect(lines).toHaveLength(5);
  });
});
