import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineChart } from "../../bench/charts.js";
import { firstFitDecreasing, readTrace, replay, STRATEGIES } from "../../bench/trace.js";

// The trace benchmark's metrics on a trace small enough to work out by hand.
function tinyTrace() {
  const folder = mkdtempSync(join(tmpdir(), "citadel-trace-"));
  writeFileSync(
    join(folder, "nodes.csv"),
    "sn,cpu_milli,memory_mib,gpu,model\nn-a,4000,4096,0,\nn-b,4000,4096,0,\n",
  );
  writeFileSync(
    join(folder, "pods.csv"),
    [
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time",
      "p1,2000,1024,0,0,,LS,Running,0,100,0",
      "p2,2000,1024,0,0,,LS,Running,10,100,10",
      "p3,3000,1024,0,0,,LS,Running,20,100,20",
      "p4,4000,1024,0,0,,LS,Running,30,40,30",
    ].join("\n"),
  );
  return readTrace(join(folder, "nodes.csv"), join(folder, "pods.csv"));
}

const strategy = (name: string) => {
  const found = STRATEGIES.find((candidate) => candidate.name === name);
  if (!found) throw new Error(name);
  return found;
};

describe("the trace benchmark", () => {
  it("binpack packs two pods on one host, leaving room for the third; the fourth cannot fit", () => {
    const { nodes, pods } = tinyTrace();
    const result = replay(nodes, pods, strategy("binpack"), 10);
    expect(result.placedShare).toBe(0.75);
    expect(result.peakHostsInUse).toBe(2);
    expect(result.lowerBound).toBe(2);
    expect(result.maxReplicasOnOneHost).toBe(2);
  });

  it("spread puts the two replicas of one shape on distinct hosts, and then the third pod fits nowhere", () => {
    const { nodes, pods } = tinyTrace();
    const result = replay(nodes, pods, strategy("spread"), 10);
    expect(result.maxReplicasOnOneHost).toBe(1);
    expect(result.placedShare).toBe(0.5);
  });

  it("first-fit-decreasing packs everything that fits at once", () => {
    const { nodes, pods } = tinyTrace();
    expect(firstFitDecreasing(nodes, pods)).toEqual({ hosts: 2, placedShare: 0.5 });
  });

  it("draws a chart with one path per series", () => {
    const svg = lineChart("t", "x", "y", [
      {
        name: "a",
        points: [
          [1, 1],
          [2, 3],
        ],
      },
      {
        name: "b",
        points: [
          [1, 2],
          [2, 1],
        ],
      },
    ]);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("<svg");
  });
});
