/** A Markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A number as the report writes it: 12,345. */
export const n = (value: number) => value.toLocaleString("en-US");

const SECTION = /\n+(?=## \d+\. )/;
const numberOf = (section: string) => Number(section.match(/^## (\d+)\./)?.[1]);

/**
 * A report of some parts merged into the whole one: each numbered section (`## 4. …`) of `fresh` takes
 * the place of the same section of `existing` (or its place by number), with `note` under its heading;
 * the header and the other sections stay as they were.
 */
export function mergeSections(existing: string, fresh: string, note: string): string {
  const [head = "", ...sections] = existing.trimEnd().split(SECTION);
  const merged = new Map(sections.map((section) => [numberOf(section), section]));
  for (const section of fresh.trimEnd().split(SECTION).slice(1)) {
    const [heading = "", ...rest] = section.split("\n");
    merged.set(numberOf(section), [heading, "", note, ...rest].join("\n"));
  }
  const ordered = [...merged.entries()].sort(([a], [b]) => a - b).map(([, section]) => section);
  return `${[head, ...ordered].join("\n\n")}\n`;
}
