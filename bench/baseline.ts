import { readFileSync } from "node:fs";
import type { EngineResult } from "./engine.js";
import { n, table } from "./markdown.js";

/**
 * The decision engine as measured before the resource model (commit d9c2c12, kept in
 * engine-before.json): issue 14 asked that decisions/s stay within 10% of it at 1,523 and 10,000 hosts.
 */
interface Baseline {
  revision: string;
  date: string;
  note: string;
  engine: EngineResult[];
  engineAllHosts: EngineResult[];
}

const baseline: Baseline = JSON.parse(readFileSync(new URL("./engine-before.json", import.meta.url), "utf8"));

/** Section 1's comparison with the baseline: each row's decisions/s before, now, and their ratio. */
export function engineAgainstBaseline(
  engine: readonly EngineResult[],
  allHosts: readonly EngineResult[],
): string[] {
  const before = new Map(baseline.engine.map((row) => [`${row.type}/${row.hosts}`, row]));
  const beforeAll = new Map(baseline.engineAllHosts.map((row) => [`${row.type}/${row.hosts}`, row]));
  const now = new Map(allHosts.map((row) => [`${row.type}/${row.hosts}`, row]));
  const ratio = (after = 0, then = 0) => (then > 0 ? (after / then).toFixed(2) : "");
  return [
    "",
    `Against the engine before the resource model (commit ${baseline.revision}, ${baseline.date}: ${baseline.note}):`,
    "",
    table(
      ["type", "hosts", "decisions/s before", "now", "ratio", "every host, before", "now", "ratio"],
      // Types the baseline did not have (gpu) have nothing to compare.
      engine
        .filter((row) => before.has(`${row.type}/${row.hosts}`))
        .map((row) => {
          const key = `${row.type}/${row.hosts}`;
          const then = before.get(key)?.perSecond;
          const thenAll = beforeAll.get(key)?.perSecond;
          const all = now.get(key)?.perSecond;
          return [
            row.type,
            n(row.hosts),
            n(then ?? 0),
            n(row.perSecond),
            ratio(row.perSecond, then),
            n(thenAll ?? 0),
            n(all ?? 0),
            ratio(all, thenAll),
          ];
        }),
    ),
  ];
}
