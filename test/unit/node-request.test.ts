// The Request Node's upgrade path hands the app (src/node/request.ts): method,
// url and headers without undici, everything else from undici's Request made on demand.
import type { IncomingMessage } from "node:http";
import { expect, test } from "vitest";
import { toRequest, UpgradeRequest } from "../../src/node/request.ts";

function incoming(method = "GET", url = "/ws?x=1"): IncomingMessage {
  const rawHeaders = ["Host", "127.0.0.1:8080", "Upgrade", "websocket", "X-Twice", "1", "x-twice", "2"];
  return { method, url, headers: { host: "127.0.0.1:8080" }, rawHeaders } as unknown as IncomingMessage;
}

test("method, url and headers come from the IncomingMessage", () => {
  const request = toRequest(incoming());
  expect(request).toBeInstanceOf(Request);
  expect(request).toBeInstanceOf(UpgradeRequest);
  expect(request.method).toBe("GET");
  expect(request.url).toBe("http://127.0.0.1:8080/ws?x=1");
  expect(request.headers).toBeInstanceOf(Headers);
  expect(request.headers.get("upgrade")).toBe("websocket");
  expect(request.headers.get("x-twice")).toBe("1, 2");
  expect(request.headers).toBe(request.headers);
});

test("the url is resolved as a URL would be, with localhost when Host is missing", () => {
  const request = toRequest(
    { method: "GET", url: "/a/../ws", headers: {}, rawHeaders: [] } as unknown as IncomingMessage,
  );
  expect(request.url).toBe("http://localhost/ws");
});

test("the url says https when the connection is TLS", () => {
  const request = toRequest({ ...incoming(), socket: { encrypted: true } } as unknown as IncomingMessage);
  expect(request.url).toBe("https://127.0.0.1:8080/ws?x=1");
});

test("the rest of Request works, through undici's Request made on first use", async () => {
  const request = toRequest(incoming());
  expect(request.signal).toBeInstanceOf(AbortSignal);
  expect(request.signal).toBe(request.signal);
  expect(request.body).toBeNull();
  expect(request.bodyUsed).toBe(false);
  expect(request.mode).toBe("cors");
  expect(Object.prototype.toString.call(request)).toBe("[object Request]");
  const clone = request.clone();
  expect(clone.url).toBe(request.url);
  expect(clone.headers.get("x-twice")).toBe("1, 2");
  const copy = new Request("http://example.test/", request);
  expect(copy.headers.get("upgrade")).toBe("websocket");
  expect(await request.text()).toBe("");
});

test("a method undici refuses is the app's to answer, not a throw while making the request", () => {
  const request = toRequest(incoming("TRACE"));
  expect(request.method).toBe("TRACE");
  expect(() => request.signal).toThrow(TypeError);
});

test("headers answer get and has as undici's Headers would, without making one", () => {
  const raw = ["Host", "h", "Upgrade", " websocket\t", "X-Twice", "1", "x-twice", "2", "X-Empty", ""];
  const request = toRequest({ method: "GET", url: "/ws", headers: { host: "h" }, rawHeaders: raw } as never);
  const native = new Headers();
  for (let i = 0; i < raw.length; i += 2) native.append(raw[i]!, raw[i + 1]!);
  for (const name of ["upgrade", "UPGRADE", "x-twice", "X-Empty", "absent", "host"]) {
    expect(request.headers.get(name), name).toBe(native.get(name));
    expect(request.headers.has(name), name).toBe(native.has(name));
  }
  expect(() => request.headers.get("bad name")).toThrow(TypeError);
  // Everything else goes to an undici Headers made on first use; get and has then read it.
  expect([...request.headers]).toEqual([...native]);
  request.headers.set("x-twice", "3");
  expect(request.headers.get("x-twice")).toBe("3");
  expect(new Response(null, { headers: request.headers }).headers.get("upgrade")).toBe("websocket");
});

test("the url of a repeated Host and target is the same string, and a new one is resolved again", () => {
  const a = toRequest(incoming("GET", "/ws?x=1"));
  const b = toRequest(incoming("GET", "/ws?x=1"));
  expect(b.url).toBe(a.url);
  expect(toRequest(incoming("GET", "/a/../ws")).url).toBe("http://127.0.0.1:8080/ws");
  expect(toRequest({ ...incoming(), socket: { encrypted: true } } as never).url).toBe("https://127.0.0.1:8080/ws?x=1");
});
