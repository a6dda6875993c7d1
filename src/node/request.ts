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
    this.url = new URL(incoming.url ?? "/", `${scheme}://${incoming.headers.host ?? "localhost"}`).href;
  }

  get headers(): Headers {
    if (this.#headers) return this.#headers;
    const headers = new Headers();
    const raw = this.#incoming.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    return this.#headers = headers;
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

/** A handshake as the app's Request (see {@link UpgradeRequest}). */
export function toRequest(incoming: IncomingMessage): Request {
  return new UpgradeRequest(incoming) as unknown as Request;
}
