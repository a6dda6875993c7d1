import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/** Node's own (undici's) Request, before `@hono/node-server` puts its subclass in its place. */
const NativeRequest: typeof Request = Object.getPrototypeOf(Request.prototype) === Object.prototype
  ? Request
  : Object.getPrototypeOf(Request);

/**
 * The Request the app sees for an upgrade: `method`, `url` and `headers` from
 * the IncomingMessage, and the undici Request only if something else is read
 * (its body, signal, `clone()`...), as `@hono/node-server` does for plain
 * requests (its lightweight Request is not exported). Why: every undici
 * Request makes an AbortSignal, which V8 allocates straight into the old
 * generation (in a loop of `new AbortController().signal` all of its ~130
 * bytes land there, where a plain EventTarget's do not), so each handshake
 * left about 0.7 KiB of garbage in old space until the next full GC. Also, a
 * method undici refuses (TRACE) is now the app's to answer (405) instead of a
 * throw outside the upgrade's try, which ended the process. What does not
 * work: `new Request(request)` on Node 22 and later, where undici keeps its
 * state in private fields (`request.clone()` and `new Request(url, request)`
 * do); `@hono/node-server`'s lightweight Request has the same limit unless its
 * global Request subclass is installed.
 */
export class UpgradeRequest {
  readonly method: string;
  readonly url: string;
  readonly #incoming: IncomingMessage;
  #headers: Headers | undefined;
  #request: Request | undefined;

  constructor(incoming: IncomingMessage) {
    this.#incoming = incoming;
    // Node's parser only lets through methods it knows, in upper case.
    this.method = incoming.method ?? "GET";
    // https behind TLS_CERT_FILE (../tls.ts), as `@hono/node-server` says for plain requests.
    const scheme = (incoming.socket as TLSSocket | undefined)?.encrypted ? "https" : "http";
    this.url = urlOf(scheme, incoming.headers.host ?? "localhost", incoming.url ?? "/");
  }

  get headers(): Headers {
    return this.#headers ??= new UpgradeHeaders(this.#incoming.rawHeaders) as unknown as Headers;
  }

  #native(): Request {
    return this.#request ??= new NativeRequest(this.url, { method: this.method, headers: this.headers });
  }

  static {
    Object.setPrototypeOf(this.prototype, NativeRequest.prototype);
    // `method` and `url` are own fields.
    const own = new Set<PropertyKey>([...Reflect.ownKeys(this.prototype), "method", "url"]);
    for (const key of Reflect.ownKeys(NativeRequest.prototype)) {
      if (own.has(key)) continue;
      const { get, value } = Object.getOwnPropertyDescriptor(NativeRequest.prototype, key)!;
      if (get) {
        Object.defineProperty(this.prototype, key, {
          get(this: UpgradeRequest) {
            return Reflect.get(this.#native(), key);
          },
        });
      } else if (typeof value === "function") {
        Object.defineProperty(this.prototype, key, {
          value(this: UpgradeRequest, ...args: unknown[]) {
            const request = this.#native();
            return (Reflect.get(request, key) as (...args: unknown[]) => unknown).apply(request, args);
          },
        });
      }
    }
    // undici reads a Request's state through its own symbols (`new Request(request)`, `fetch(request)`).
    for (const key of Object.getOwnPropertySymbols(new NativeRequest("http://localhost/"))) {
      Object.defineProperty(this.prototype, key, {
        get(this: UpgradeRequest) {
          return Reflect.get(this.#native(), key);
        },
      });
    }
  }
}

/**
 * The last URL made, and what it was made from: every handshake of a burst
 * names the same Host and target, and parsing them again with `URL` was work
 * per handshake. Same inputs, same URL: this changes no answer.
 */
let lastUrl = { scheme: "", host: "", target: "", href: "" };

/** The request's URL, resolved as `URL` resolves the target against `scheme://host`. */
function urlOf(scheme: string, host: string, target: string): string {
  const last = lastUrl;
  if (last.target === target && last.host === host && last.scheme === scheme) return last.href;
  const href = new URL(target, `${scheme}://${host}`).href;
  lastUrl = { scheme, host, target, href };
  return href;
}

/** What the Fetch standard allows as a header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A value `Headers` refuses: made by nothing but a `Headers`, which then throws as it would have. */
const INVALID_VALUE = /[\0\r\n]/;

/**
 * A handshake's headers: `get` and `has`, all the app reads of a handshake,
 * answered from `rawHeaders` as the Fetch standard's `Headers` would answer
 * (names case-insensitive, repeated fields joined with ", ", values trimmed
 * of HTTP whitespace), and every other member from an undici `Headers` made
 * on first use, as `@hono/node-server` does for plain requests (its
 * `RequestHeaders`, not exported). Why: an undici `Headers` checks and copies
 * every field of the request, about eight, on each handshake, to be asked
 * for four of them.
 */
class UpgradeHeaders {
  readonly #raw: string[];
  #headers: Headers | undefined;

  constructor(raw: string[]) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    if (this.#headers !== undefined || typeof name !== "string" || !HEADER_NAME.test(name)) {
      return this.#native().get(name);
    }
    const lower = name.toLowerCase();
    const raw = this.#raw;
    let value: string | null = null;
    for (let i = 0; i < raw.length; i += 2) {
      const field = raw[i]!;
      if (field.length !== lower.length || field.toLowerCase() !== lower) continue;
      const part = trimHttpWhitespace(raw[i + 1]!);
      if (INVALID_VALUE.test(part)) return this.#native().get(name);
      value = value === null ? part : `${value}, ${part}`;
    }
    return value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  #native(): Headers {
    if (this.#headers) return this.#headers;
    const headers = new Headers();
    const raw = this.#raw;
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    return this.#headers = headers;
  }

  static {
    Object.setPrototypeOf(this.prototype, Headers.prototype);
    const own = new Set<PropertyKey>(Reflect.ownKeys(this.prototype));
    for (const key of Reflect.ownKeys(Headers.prototype)) {
      if (own.has(key)) continue;
      const { value } = Object.getOwnPropertyDescriptor(Headers.prototype, key)!;
      if (typeof value !== "function") continue;
      Object.defineProperty(this.prototype, key, {
        value(this: UpgradeHeaders, ...args: unknown[]) {
          const headers = this.#native();
          return (Reflect.get(headers, key) as (...args: unknown[]) => unknown).apply(headers, args);
        },
      });
    }
  }
}

/** HTTP whitespace (tab, LF, CR, space) trimmed from both ends, as `Headers` normalises a value. */
function trimHttpWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isHttpWhitespace(code: number): boolean {
  return code === 9 || code === 10 || code === 13 || code === 32;
}

/** A handshake as the app's Request (see {@link UpgradeRequest}). */
export function toRequest(incoming: IncomingMessage): Request {
  return new UpgradeRequest(incoming) as unknown as Request;
}
