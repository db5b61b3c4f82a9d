import { describe, expect, it } from "vitest";
import { blockAfter, readmeSession } from "../support/readme.js";

// The README's GPU session, run as written against the local stack.
const reasonsShown = JSON.parse(blockAfter("a 409 whose reasons are:", "json"));

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
const lines = readmeSession<any>("**GPUs.**");

describe("the README's GPU session", () => {
  it("registers the host with its devices, and the other without", () => {
    expect(lines[0]).toMatchObject({ id: "gpu-1", gpus: { count: 2, model: "V100M32", shares: [0, 0] } });
    expect(lines[1]).toMatchObject({ id: "cpu-1", gpus: null });
  });

  it("shares one device between the inference servers and gives the training job the other, as shown", () => {
    expect(lines[2].placement.gpus).toEqual({ devices: ["0"], share: 0.5 });
    expect(lines[3].placement.gpus).toEqual({ devices: ["0"], share: 0.5 });
    expect(lines[4].placement.gpus).toEqual({ devices: ["1"] });
    expect(lines.slice(2, 5).map((line) => line.resource.id)).toEqual(["gpu-1", "gpu-1", "gpu-1"]);
  });

  it("refuses the second training job with the reasons shown", () => {
    expect(lines[5]).toMatchObject({ error: "unschedulable", reasons: reasonsShown });
    expect(lines).toHaveLength(6);
  });
});
