/** The bench's outputs: the terminal table, and the SVG chart of ours/native ratios (hand-written SVG, no dependency). */

export interface Row {
  runtime: string;
  mode: string;
  metric: string;
  unit: string;
  /** "higher" or "lower" is better. */
  better: "higher" | "lower";
  ours: number;
  oursSpread: number;
  native: number;
  nativeSpread: number;
  /** The median over rounds of ours / native within the round. */
  ratio: number;
  /** How far apart the rounds' ratios were (see `spread`). */
  ratioSpread: number;
  /**
   * The confidence interval of the median ratio (`medianInterval`: 95 % from
   * 6 values, see `ratioConfidence`), over the medians of the pairs of server
   * processes where a mode had several, else over its rounds; at 8 values or
   * fewer, the lowest and highest. Absent in results saved before it existed.
   */
  ratioRange?: [number, number];
  /**
   * How likely `ratioRange` is to hold the median (`medianConfidence`): below
   * 0.95 (fewer than 6 pairs; with one pair, fewer than 6 rounds) it decides nothing.
   * Absent in results saved before it existed.
   */
  ratioConfidence?: number;
  /** Each pair of server processes' median ratio, in order, where a mode had several. */
  pairRatios?: number[];
  /** The target for the ratio, where it sets one. */
  target?: number;
  /** The highest client CPU seen in this mode (fraction of one core). */
  clientCpu: number;
  errors: string[];
}

export function meets(row: Row): boolean | undefined {
  if (row.target === undefined || !Number.isFinite(row.ratio)) return undefined;
  return row.better === "higher" ? row.ratio >= row.target : row.ratio <= row.target;
}

/**
 * Whether the target lies within the median ratio's confidence interval
 * (`ratioRange`), or the interval is not one of 95 % (`ratioConfidence`):
 * this run cannot tell on which side of the target the server is. Two pairs
 * on the same side of it happen half the time by chance alone.
 */
export function inconclusive(row: Row): boolean {
  if (row.target === undefined || row.ratioRange === undefined) return false;
  if (row.ratioConfidence !== undefined && row.ratioConfidence < 0.95) return true;
  const [low, high] = row.ratioRange;
  return low < row.target && row.target < high;
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  if (abs >= 100_000) return `${(value / 1000).toFixed(0)}k`;
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

const pct = (fraction: number) => (Number.isFinite(fraction) ? `±${(fraction * 50).toFixed(0)}%` : "");

/** Fixed-width text table: ours and native medians with their half-spread, the ratio, the target. */
export function table(rows: readonly Row[]): string {
  const head = ["runtime", "mode", "metric", "ours", "native", "ours/native", "target", "client CPU"];
  const body = rows.map((r) => {
    const ok = meets(r);
    const target = r.target === undefined
      ? ""
      : `${r.better === "higher" ? "≥" : "≤"}${r.target}${ok === undefined ? "" : ok ? " ok" : " MISS"}${
        inconclusive(r) ? "~" : ""
      }`;
    if (r.errors.length > 0) {
      return [r.runtime, r.mode, r.metric, "ERROR", "", "", "", r.errors[0]!.split("\n")[0]!.slice(0, 70)];
    }
    return [
      r.runtime,
      r.mode,
      `${r.metric} (${r.unit})`,
      `${fmt(r.ours)} ${pct(r.oursSpread)}`,
      `${fmt(r.native)} ${pct(r.nativeSpread)}`,
      Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)} ${r.ratioSpread > 0 ? pct(r.ratioSpread) : ""}`.trim() : "—",
      target,
      Number.isFinite(r.clientCpu) ? `${(r.clientCpu * 100).toFixed(0)}%${r.clientCpu >= 0.9 ? " SAT" : ""}` : "",
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

const COLORS: Record<string, string> = { node: "#3c873a", deno: "#222222", bun: "#d4a017", workers: "#f38020" };

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Horizontal bars: one group per mode and metric, one bar per runtime, each the
 * ratio ours/native on a shared axis with 1.0 (parity) marked.
 */
export function svgChart(rows: readonly Row[], title: string): string {
  const runtimes = [...new Set(rows.map((r) => r.runtime))];
  const groups = [...new Set(rows.map((r) => `${r.mode} · ${r.metric} (${r.better} is better)`))];
  const bar = 14;
  const groupHeight = runtimes.length * (bar + 2) + 14;
  const left = 300;
  const plot = 520;
  const top = 56;
  const height = top + groups.length * groupHeight + 40;
  const width = left + plot + 80;
  const ratios = rows.map((r) => r.ratio).filter(Number.isFinite);
  const maxRatio = Math.max(2, Math.ceil(Math.max(0, ...ratios) * 2) / 2);
  const x = (ratio: number) => left + (Math.min(ratio, maxRatio) / maxRatio) * plot;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="10" y="38" fill="#555">ratio ours / native, median of the rounds' ratios (ours and native back to back); 1.0 = parity</text>`,
  ];
  runtimes.forEach((rt, i) => {
    out.push(`<rect x="${left + i * 90}" y="${top - 14}" width="10" height="10" fill="${COLORS[rt] ?? "#888"}"/>`);
    out.push(`<text x="${left + i * 90 + 14}" y="${top - 5}">${escape(rt)}</text>`);
  });
  for (let t = 0; t <= maxRatio + 1e-9; t += 0.5) {
    out.push(
      `<line x1="${x(t)}" y1="${top}" x2="${x(t)}" y2="${height - 30}" stroke="${t === 1 ? "#c00" : "#ddd"}"/>`,
      `<text x="${x(t)}" y="${height - 16}" text-anchor="middle" fill="#555">${t.toFixed(1)}</text>`,
    );
  }
  groups.forEach((group, g) => {
    const y0 = top + g * groupHeight + 6;
    out.push(`<text x="${left - 8}" y="${y0 + groupHeight / 2 - 4}" text-anchor="end">${escape(group)}</text>`);
    runtimes.forEach((rt, i) => {
      const row = rows.find((r) => r.runtime === rt && `${r.mode} · ${r.metric} (${r.better} is better)` === group);
      if (!row) return;
      const y = y0 + i * (bar + 2);
      if (row.errors.length > 0 || !Number.isFinite(row.ratio)) {
        out.push(`<text x="${left + 4}" y="${y + bar - 3}" fill="#c00">${row.errors.length ? "error" : "n/a"}</text>`);
        return;
      }
      out.push(
        `<rect x="${left}" y="${y}" width="${x(row.ratio) - left}" height="${bar}" fill="${COLORS[rt] ?? "#888"}"/>`,
        `<text x="${x(row.ratio) + 4}" y="${y + bar - 3}">${row.ratio.toFixed(2)}</text>`,
      );
    });
  });
  out.push("</svg>");
  return out.join("\n");
}

/** The ratios that matter at a glance: one line per runtime, ours/native, a cross where the target is missed. */
const GLANCE: [mode: string, metric: string, label: string][] = [
  ["pingpong", "msgs/s", "ping-pong msg/s"],
  ["pingpong", "server CPU/msg", "ping-pong CPU/msg"],
  ["pingpong", "p99 latency", "ping-pong p99"],
  ["pipelined", "msgs/s", "pipelined msg/s"],
  ["pipelined", "server CPU/msg", "pipelined CPU/msg"],
  ["stream", "msgs/s", "stream msg/s"],
  ["stream", "server CPU/msg", "stream CPU/msg"],
  ["large", "throughput", "1 MiB MiB/s"],
  ["large", "server CPU/msg", "1 MiB CPU/msg"],
  ["conns10k", "RSS/conn", "10k RSS/conn"],
  ["conns10k", "connect rate", "10k conn/s"],
  ["conns10k", "server CPU/handshake", "10k CPU/handshake"],
  ["deflate64", "throughput", "deflate 64 B MiB/s"],
  ["deflate64", "server CPU/msg", "deflate 64 B CPU/msg"],
  ["deflate64k", "throughput", "deflate 64 KiB MiB/s"],
  ["deflate64k", "server CPU/msg", "deflate 64 KiB CPU/msg"],
  ["deflate10k", "RSS/conn after one echo", "deflate 10k RSS/conn"],
];

export function ratioTable(rows: readonly Row[]): string {
  const runtimes = [...new Set(rows.map((r) => r.runtime))];
  const lines = GLANCE.filter(([mode, metric]) => rows.some((r) => r.mode === mode && r.metric === metric)).map(
    ([mode, metric, label]) => {
      const cells = runtimes.map((runtime) => {
        const row = rows.find((r) => r.runtime === runtime && r.mode === mode && r.metric === metric);
        if (!row) return "";
        if (row.errors.length > 0) return "error";
        if (!Number.isFinite(row.ratio)) return "—";
        // Server CPU and memory are the server's own figures, whatever the client did.
        const clientSensitive = !/CPU|RSS/.test(metric);
        const sat = clientSensitive && row.clientCpu >= 0.9 ? " (client at 90%+)" : "";
        const mark = `${meets(row) === false ? " ✗" : ""}${inconclusive(row) ? " ~" : ""}`;
        return `${row.ratio.toFixed(2)}${mark}${sat}`;
      });
      const target = rows.find((r) => r.mode === mode && r.metric === metric)!;
      const goal = target.target === undefined ? "" : `${target.better === "higher" ? "≥" : "≤"} ${target.target}`;
      return `| ${[label, goal, ...cells].join(" | ")} |`;
    },
  );
  const head = ["ours/native", "target", ...runtimes];
  return [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`, ...lines]
    .join("\n");
}
