// The budget the echo's comments rely on (src/echo.ts, EchoConnection): a connection's fields, with
// KeptAlive's, are 12 at most, since on Bun (JavaScriptCore) an object of 12 fields takes 112 bytes and
// one of 13 takes 160. Measured here on the object itself, private fields included.
import { estimateShallowMemoryUsageOf as shallowSize } from "bun:jsc";
import { expect, test } from "bun:test";
import type { EchoContext } from "../../src/echo.ts";
import { createEchoEvents } from "../../src/echo.ts";

class Twelve {
  a = 0;
  b = 0;
  c = 0;
  d = 0;
  e = 0;
  f = 0;
  g = 0;
  h = 0;
  i = 0;
  j = 0;
  k = 0;
  l = 0;
}
class Thirteen extends Twelve {
  m = 0;
}

test("JavaScriptCore's size classes are as the comments say: 12 fields 112 bytes, 13 fields 160", () => {
  expect(shallowSize(new Twelve())).toBe(112);
  expect(shallowSize(new Thirteen())).toBe(160);
});

test("an echo connection fits the 12-field size class", () => {
  const connection = createEchoEvents({} as EchoContext, "127.0.0.1");
  expect(shallowSize(connection)).toBe(shallowSize(new Twelve()));
});
