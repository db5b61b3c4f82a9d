// Variants of a trace with another mix of cpu-only and GPU tasks (the FGD paper's section 6.4 varies the
// share of non-GPU tasks the same way): each pod keeps its arrival and departure, its shape is drawn
// from the trace's cpu-only or GPU pods, so that cpu-only pods ask for the target share of the cpu.
import { seededRandom } from "../../test/support/random.js";
import type { TracePod } from "./model.js";

export interface Variant {
  name: string;
  /** The share of the pods' cpu that cpu-only pods ask for. */
  cpuOnlyShare: number;
}

/** The variants the bench runs beside the trace as read. */
export const VARIANTS: readonly Variant[] = [
  { name: "cpu-only tasks ask 50% of cpu", cpuOnlyShare: 0.5 },
  { name: "cpu-only tasks only", cpuOnlyShare: 1 },
];

const meanCpu = (pods: readonly TracePod[]) =>
  pods.reduce((sum, pod) => sum + pod.cpuMilli, 0) / Math.max(1, pods.length);

/**
 * The trace with cpu-only pods asking for `cpuOnlyShare` of the cpu (in expectation), or undefined when
 * the trace lacks the pods to draw from. A pod is cpu-only with probability q, where
 * q·c0 / (q·c0 + (1 − q)·c1) = share for the mean cpu c0 of cpu-only pods and c1 of GPU pods.
 */
export function variantOf(
  pods: readonly TracePod[],
  cpuOnlyShare: number,
  seed = 11,
): TracePod[] | undefined {
  const cpuOnly = pods.filter((pod) => pod.gpus === 0);
  const gpu = pods.filter((pod) => pod.gpus > 0);
  if ((cpuOnlyShare > 0 && cpuOnly.length === 0) || (cpuOnlyShare < 1 && gpu.length === 0)) return undefined;
  const c0 = meanCpu(cpuOnly);
  const c1 = meanCpu(gpu);
  const q = cpuOnlyShare >= 1 ? 1 : (cpuOnlyShare * c1) / (cpuOnlyShare * c1 + (1 - cpuOnlyShare) * c0);
  const random = seededRandom(seed);
  return pods.map((pod) => {
    const pool = random() < q ? cpuOnly : gpu;
    const shape = pool[Math.floor(random() * pool.length)] as TracePod;
    return { ...shape, name: pod.name, created: pod.created, deleted: pod.deleted };
  });
}
