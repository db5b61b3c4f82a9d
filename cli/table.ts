/** A cell: text, a number, or nothing (shown as `-`). */
export type Cell = string | number | null | undefined;

/**
 * Rows as aligned columns, two spaces apart, without trailing spaces. Give the column names as the
 * first row for a table; rows of a name and a value make a list of fields.
 */
export function table(rows: readonly (readonly Cell[])[]): string {
  const texts = rows.map((row) => row.map(cellText));
  const widths: number[] = [];
  for (const row of texts) {
    row.forEach((text, column) => {
      widths[column] = Math.max(widths[column] ?? 0, text.length);
    });
  }
  return texts
    .map((row) =>
      row
        .map((text, column) => text.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function cellText(cell: Cell): string {
  return cell === null || cell === undefined || cell === "" ? "-" : String(cell);
}

/** A share as a percentage with at most one decimal: 0.125 → `12.5%`. */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** Labels as `key=value` pairs, comma-separated. */
export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}
