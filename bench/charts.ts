/** One line of a chart: a name and its points. */
export interface Series {
  name: string;
  points: [number, number][];
}

const COLOURS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#000000",
  "#aec7e8",
];

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** A small, dependency-free SVG line chart. */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: Series[],
  logX = false,
): string {
  const width = 640;
  const height = 360;
  const margin = { left: 70, right: 160, top: 40, bottom: 50 };
  const xs = series.flatMap((line) => line.points.map(([x]) => (logX ? Math.log10(x) : x)));
  const ys = series.flatMap((line) => line.points.map(([, y]) => y));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...ys, 0) * 1.1 || 1;
  const px = (x: number) =>
    margin.left +
    (((logX ? Math.log10(x) : x) - xMin) / (xMax - xMin || 1)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - (y / yMax) * (height - margin.top - margin.bottom);
  const ticks = Array.from({ length: 5 }, (_, index) => (yMax * index) / 4);
  const lines = series
    .map((line, index) => {
      const colour = COLOURS[index % COLOURS.length];
      const path = line.points
        .map(([x, y], at) => `${at === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
        .join(" ");
      const dots =
        line.points.length <= 20
          ? line.points
              .map(
                ([x, y]) =>
                  `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"/>`,
              )
              .join("")
          : "";
      const legendY = margin.top + index * 18;
      return `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}<rect x="${width - margin.right + 12}" y="${legendY - 8}" width="10" height="10" fill="${colour}"/><text x="${width - margin.right + 28}" y="${legendY + 1}" font-size="12">${escapeXml(line.name)}</text>`;
    })
    .join("\n");
  const xTicks = [...new Set(series.flatMap((line) => line.points.map(([x]) => x)))]
    .filter((_, index, all) => all.length <= 12 || index % Math.ceil(all.length / 10) === 0)
    .map(
      (x) =>
        `<text x="${px(x).toFixed(1)}" y="${height - margin.bottom + 16}" font-size="11" text-anchor="middle">${Number(x.toPrecision(4))}</text>`,
    )
    .join("");
  const yTicks = ticks
    .map(
      (y) =>
        `<line x1="${margin.left}" x2="${width - margin.right}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/><text x="${margin.left - 6}" y="${py(y) + 4}" font-size="11" text-anchor="end">${Number(y.toPrecision(3))}</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<title>${escapeXml(title)}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${margin.left}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>
${yTicks}
<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#333"/>
<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>
${xTicks}
<text x="${(margin.left + width - margin.right) / 2}" y="${height - 12}" font-size="12" text-anchor="middle">${escapeXml(xLabel)}</text>
<text x="16" y="${(margin.top + height - margin.bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(margin.top + height - margin.bottom) / 2})">${escapeXml(yLabel)}</text>
${lines}
</svg>
`;
}
