import { expect, test } from "vitest";
import { parseExposition, valueOf } from "../harness/prometheus-text.ts";

const GOOD = `# HELP a_total Things, with a \\\\ and a \\n.
# TYPE a_total counter
a_total{code="1000"} 3
a_total{code="4000",x="q\\"uote"} 1 1700000000000
# a plain comment
# TYPE h histogram
h_bucket{le="0.5"} 1
h_bucket{le="1"} 2
h_bucket{le="+Inf"} 3
h_sum 2.5
h_count 3
g NaN
`;

test("a valid exposition parses, with its types, help, labels and values", () => {
  const families = parseExposition(GOOD);
  expect(families.map((f) => [f.name, f.type])).toEqual([["a_total", "counter"], ["h", "histogram"], ["g", "untyped"]]);
  expect(families[0]!.help).toBe("Things, with a \\ and a \n.");
  expect(valueOf(families, "a_total", { code: "4000", x: 'q"uote' })).toBe(1);
  expect(valueOf(families, "h_count")).toBe(3);
  expect(valueOf(families, "a_total", { code: "1001" })).toBeUndefined();
});

test.each([
  ["no final newline", "a 1"],
  ["a bad metric name", "1a 1\n"],
  ["a value that is no number", "a abc\n"],
  ["a bad label name", 'a{1x="v"} 1\n'],
  ["a reserved label name", 'a{__x="v"} 1\n'],
  ["an unquoted label value", "a{x=v} 1\n"],
  ["an unterminated label value", 'a{x="v} 1\n'],
  ["an invalid escape", 'a{x="\\t"} 1\n'],
  ["a bad timestamp", "a 1 1.5\n"],
  ["an unknown type", "# TYPE a countr\na 1\n"],
  ["TYPE after samples", "a 1\n# TYPE a gauge\n"],
  ["a second TYPE", "# TYPE a gauge\n# TYPE a gauge\na 1\n"],
  ["a second HELP", "# HELP a x\n# HELP a y\na 1\n"],
  ["a duplicate series", 'a{x="1"} 1\na{x="1"} 2\n'],
  ["a family split in two", 'a 1\nb 1\na{x="2"} 1\n'],
  ["a negative counter", "# TYPE a counter\na -1\n"],
  ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
  ["buckets not cumulative", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
  ["_count not the +Inf bucket", '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
  ["a carriage return", "a 1\r\n"],
])("rejects %s", (_why, text) => {
  expect(() => parseExposition(text)).toThrow();
});
