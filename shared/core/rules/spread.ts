import type { Host } from "../host.js";
import type { ReplicaCounts } from "../replica-index.js";
import type { Spread } from "../soft-rules.js";
import type { ScoreRule } from "./registry.js";

/**
 * The request's spread: hosts whose label value holds fewer of the image's live placements than its
 * target share score higher, in −1..1: (desired − placed) / desired, at most −1 below; a host without
 * the label scores −1. See spreadScores.
 */
export const spread: ScoreRule = {
  name: "spread",
  description:
    "the request's spread over a host label: (desired - placed) / desired for the host's label value, -1 without the label",
  range: [-1, 1],
  uses: (request) => request.spread !== undefined,
  score: (host, request, context) => {
    const value = labelValue(host, request.spread?.label ?? "");
    return value === undefined ? -1 : (context.spread?.get(value) ?? -1);
  },
};

/**
 * The spread rule's value for each value of the label on `hosts` (the hosts the scheduler sees), once
 * per decision. Placements are the live ones of the image (`replicas`), counted per label value; with
 * this one, there will be `placed + 1`. A value's desired count is its target share of that: its
 * percent when `targets` names it; the values `targets` does not name share what the percents leave
 * (Nomad's implicit "*"), counted together; without targets every value seen has an equal share.
 * A value whose share is 0 scores −1, as a host without the label does.
 */
export function spreadScores(
  rule: Spread,
  hosts: readonly Host[],
  replicas: ReplicaCounts,
): Map<string, number> {
  const placed = new Map<string, number>();
  let total = 0;
  for (const host of hosts) {
    const value = labelValue(host, rule.label);
    if (value === undefined) continue;
    const count = replicas.get(host) ?? 0;
    placed.set(value, (placed.get(value) ?? 0) + count);
    total += count;
  }
  const after = total + 1;
  const scores = new Map<string, number>();
  const { targets } = rule;
  if (!targets) {
    for (const [value, count] of placed) scores.set(value, share(after / placed.size, count));
    return scores;
  }
  let named = 0;
  for (const percent of Object.values(targets)) named += percent;
  let others = 0;
  for (const [value, count] of placed) if (!Object.hasOwn(targets, value)) others += count;
  for (const [value, count] of placed) {
    scores.set(
      value,
      Object.hasOwn(targets, value)
        ? share(((targets[value] ?? 0) / 100) * after, count)
        : share(((100 - named) / 100) * after, others),
    );
  }
  return scores;
}

/** (desired − placed) / desired, at least −1; −1 when nothing is desired. */
function share(desired: number, placed: number): number {
  return desired > 0 ? Math.max(-1, (desired - placed) / desired) : -1;
}

function labelValue(host: Host, label: string): string | undefined {
  return Object.hasOwn(host.labels, label) ? host.labels[label] : undefined;
}
