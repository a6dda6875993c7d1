/**
 * A strict parser of the Prometheus text exposition format 0.0.4, written from
 * the format's specification (prometheus/docs, content/docs/instrumenting/
 * exposition_formats.md) and the rules of Prometheus's own Go parser
 * (prometheus/common expfmt TextParser): what it accepts, a scrape accepts.
 * It throws on anything the format does not allow, naming the line, and adds
 * the checks of `promtool check metrics` that a scrape would otherwise take
 * silently (histogram buckets cumulative and ending in +Inf, `_count` equal to
 * the +Inf bucket, counters not negative, a series given once).
 *
 * Why not an npm parser: `parse-prometheus-text-format` (the most used, last
 * changed in 2019) takes any text as a value, any characters as a metric name,
 * and merges a histogram's buckets across label sets, so it would pass output
 * a scrape rejects. The tests need a parser that fails.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class ExpositionError extends Error {
  override name = "ExpositionError";
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);
/** Go's strconv.ParseFloat, as the format specifies values: decimal or exponent notation, NaN, ±Inf. */
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])$/;

/** Parses `text`, returning its metric families in order; throws an ExpositionError on any violation. */
export function parseExposition(text: string): MetricFamily[] {
  if (text.length > 0 && !text.endsWith("\n")) throw new ExpositionError("the last line does not end with \\n");
  const families: MetricFamily[] = [];
  const byName = new Map<string, MetricFamily>();
  const seenSeries = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split("\n");
  lines.pop(); // after the final \n
  lines.forEach((line, index) => {
    const at = `line ${index + 1} ${JSON.stringify(line)}`;
    const fail = (why: string): never => {
      throw new ExpositionError(`${at}: ${why}`);
    };
    if (/^[ \t]*$/.test(line)) return;
    if (line.includes("\r")) fail("carriage return (lines end with \\n alone)");
    if (line.startsWith("#")) {
      const match = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name, rest = ""] = match;
      if (!METRIC_NAME.test(name!)) fail(`invalid metric name ${name}`);
      let family = byName.get(name!);
      if (family && family !== current) fail(`${name} was already given; a family's lines must be together`);
      if (!family) {
        family = { name: name!, type: "untyped", samples: [] };
        byName.set(name!, family);
        families.push(family);
      }
      current = family;
      if (keyword === "HELP") {
        if (family.help !== undefined) fail(`second HELP for ${name}`);
        family.help = unescape(rest, false, fail);
      } else {
        if ((family as { typed?: boolean }).typed) fail(`second TYPE for ${name}`);
        if (family.samples.length > 0) fail(`TYPE for ${name} after its samples`);
        const type = rest.trim() as MetricType;
        if (!TYPES.has(type)) fail(`unknown type ${JSON.stringify(rest)}`);
        family.type = type;
        (family as { typed?: boolean }).typed = true;
      }
      return;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(sample.name, current, byName);
    if (!family) {
      if (byName.has(sample.name)) fail(`${sample.name} was already given; a family's lines must be together`);
      const created: MetricFamily = { name: sample.name, type: "untyped", samples: [] };
      byName.set(sample.name, created);
      families.push(created);
      current = created;
    } else if (family !== current) fail(`${sample.name} is apart from the rest of its family`);
    const series = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${v}`).join(",")}}`;
    if (seenSeries.has(series)) fail(`duplicate series ${series}`);
    seenSeries.add(series);
    current!.samples.push(sample);
  });
  for (const family of families) checkFamily(family);
  return families;
}

/** The family a sample belongs to: its own name, or a histogram's/summary's suffixed series. */
function familyOf(
  name: string,
  current: MetricFamily | undefined,
  byName: Map<string, MetricFamily>,
): MetricFamily | undefined {
  if (current) {
    const suffixes = current.type === "histogram"
      ? ["_bucket", "_sum", "_count"]
      : current.type === "summary"
      ? ["_sum", "_count"]
      : [];
    if (name === current.name || suffixes.some((s) => name === current.name + s)) return current;
  }
  const own = byName.get(name);
  return own && own.type !== "histogram" ? own : undefined;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  let i = 0;
  const nameMatch = /^[^\s{]+/.exec(line);
  if (!nameMatch) fail("no metric name");
  const name = nameMatch![0];
  if (!METRIC_NAME.test(name)) fail(`invalid metric name ${name}`);
  i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    for (;;) {
      while (line[i] === " " || line[i] === "\t") i++;
      if (line[i] === "}") {
        i++;
        break;
      }
      const labelMatch = /^[^=\s]+/.exec(line.slice(i));
      if (!labelMatch) fail("expected a label name");
      const label = labelMatch![0];
      if (!LABEL_NAME.test(label) || label.startsWith("__")) fail(`invalid label name ${label}`);
      if (label in labels) fail(`label ${label} given twice`);
      i += label.length;
      while (line[i] === " " || line[i] === "\t") i++;
      if (line[i] !== "=") fail(`expected = after ${label}`);
      i++;
      while (line[i] === " " || line[i] === "\t") i++;
      if (line[i] !== '"') fail(`expected " to open the value of ${label}`);
      i++;
      let raw = "";
      for (;; i++) {
        if (i >= line.length) fail(`unterminated value of ${label}`);
        if (line[i] === "\\") {
          raw += line[i]! + (line[i + 1] ?? "");
          i++;
          continue;
        }
        if (line[i] === '"') break;
        raw += line[i];
      }
      i++;
      labels[label] = unescape(raw, true, fail);
      while (line[i] === " " || line[i] === "\t") i++;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") fail(`expected , or } after the value of ${label}`);
    }
  }
  if (line[i] !== " " && line[i] !== "\t") fail("expected a space before the value");
  const fields = line.slice(i).trim().split(/[ \t]+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === "") fail("expected a value and at most a timestamp");
  const [rawValue, rawTimestamp] = fields as [string, string | undefined];
  if (!FLOAT.test(rawValue)) fail(`invalid value ${rawValue}`);
  const value = /inf/i.test(rawValue) ? (rawValue.startsWith("-") ? -Infinity : Infinity) : Number(rawValue);
  const sample: Sample = { name, labels, value };
  if (rawTimestamp !== undefined) {
    if (!/^-?\d+$/.test(rawTimestamp)) fail(`invalid timestamp ${rawTimestamp}`);
    sample.timestampMs = Number(rawTimestamp);
  }
  return sample;
}

/** HELP text allows \\ and \n; a label value also \". Any other escape is an error, as in Go's parser. */
function unescape(raw: string, labelValue: boolean, fail: (why: string) => never): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === "\\") out += "\\";
    else if (next === "n") out += "\n";
    else if (next === '"' && labelValue) out += '"';
    else fail(`invalid escape \\${next ?? ""}`);
  }
  return out;
}

function checkFamily(family: MetricFamily): void {
  const fail = (why: string): never => {
    throw new ExpositionError(`${family.name}: ${why}`);
  };
  if (family.type === "counter") {
    for (const s of family.samples) if (!(s.value >= 0)) fail(`counter value ${s.value} is negative or NaN`);
  }
  if (family.type !== "histogram") return;
  const groups = new Map<string, Sample[]>();
  for (const s of family.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, samples] of groups) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    if (samples.some((s) => s.name === family.name)) fail(`a bare sample in a histogram (${key})`);
    if (!count || !sum) fail(`no _count or no _sum for ${key}`);
    let lastLe = -Infinity;
    let lastValue = 0;
    for (const b of buckets) {
      const raw = b.labels.le;
      if (raw === undefined || !FLOAT.test(raw)) fail(`bucket without a valid le (${key})`);
      const le = /inf/i.test(raw!) ? (raw!.startsWith("-") ? -Infinity : Infinity) : Number(raw);
      if (!(le > lastLe)) fail(`buckets not in ascending order of le at le="${raw}"`);
      if (b.value < lastValue) fail(`bucket le="${raw}" is below the one before: buckets are cumulative`);
      lastLe = le;
      lastValue = b.value;
    }
    if (lastLe !== Infinity) fail(`no le="+Inf" bucket (${key})`);
    if (count!.value !== lastValue) fail(`_count ${count!.value} is not the +Inf bucket ${lastValue}`);
  }
}

/** The value of one series, or undefined when the exposition does not have it. */
export function valueOf(
  families: readonly MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families) {
    for (const s of family.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
