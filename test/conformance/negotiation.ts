/**
 * permessage-deflate negotiation as RFC 7692 §7.1 defines it, from the
 * client's side: the offers a case sends, whether the server's answer is a
 * valid acceptance of one of them, and the terms both sides then keep to.
 */
import { PERMESSAGE_DEFLATE } from "../../src/compression.ts";

/** One extension of a `Sec-WebSocket-Extensions` list: its name and parameters (true: no value). */
export interface Extension {
  name: string;
  params: [name: string, value: string | true][];
}

/** What the client and the server keep to once the server accepted. */
export interface Terms {
  /** The server starts every message with an empty window (server_no_context_takeover). */
  serverNoContextTakeover: boolean;
  /** The window the server compresses with, in bits (server_max_window_bits, else 15). */
  serverWindowBits: number;
  /** The window the client compresses with, in bits (client_max_window_bits, else 15). */
  clientWindowBits: number;
}

/** Parses an extension list (RFC 6455 §9.1): `name; param; param=value, name2`. Quoted values are unquoted. */
export function parseExtensions(header: string): Extension[] {
  return header.split(",").map((element) => {
    const [name = "", ...params] = element.split(";").map((part) => part.trim());
    return {
      name: name.toLowerCase(),
      params: params.map((param): [string, string | true] => {
        const eq = param.indexOf("=");
        if (eq < 0) return [param.toLowerCase(), true];
        const value = param.slice(eq + 1).trim();
        return [param.slice(0, eq).trim().toLowerCase(), value.replace(/^"(.*)"$/, "$1")];
      }),
    };
  });
}

/** A window size as RFC 7692 §7.1.2 writes it: 8 to 15, no leading zero. */
const windowBits = (value: string | true): number | undefined =>
  typeof value === "string" && /^(8|9|1[0-5])$/.test(value) ? Number(value) : undefined;

/**
 * The terms a `Sec-WebSocket-Extensions` answer agrees to, or why it is not a
 * valid acceptance of any of `offers` (RFC 7692 §7.1: one permessage-deflate
 * element, known parameters once each, with valid values, and for one offer:
 * server_no_context_takeover if the offer asks for it, server_max_window_bits
 * no larger than offered, client_max_window_bits only if offered and no larger).
 */
export function agreedTerms(offers: readonly Extension[], answer: string): Terms | string {
  const elements = parseExtensions(answer);
  if (elements.length !== 1) return `${elements.length} extensions in the answer "${answer}"`;
  const [accepted] = elements as [Extension];
  if (accepted.name !== PERMESSAGE_DEFLATE) return `an extension not offered: "${answer}"`;
  const seen = new Map<string, string | true>();
  for (const [name, value] of accepted.params) {
    if (seen.has(name)) return `${name} twice in "${answer}"`;
    seen.set(name, value);
    if ((name === "server_no_context_takeover" || name === "client_no_context_takeover") && value !== true) {
      return `${name} with a value in "${answer}"`;
    }
    if ((name === "server_max_window_bits" || name === "client_max_window_bits") && !windowBits(value)) {
      return `${name}=${value === true ? "(none)" : value} in "${answer}" (8 to 15 required)`;
    }
    if (!/^(server|client)_(no_context_takeover|max_window_bits)$/.test(name)) {
      return `an unknown parameter ${name} in "${answer}"`;
    }
  }
  const serverBits = seen.has("server_max_window_bits") ? windowBits(seen.get("server_max_window_bits")!)! : 15;
  const clientBits = seen.has("client_max_window_bits") ? windowBits(seen.get("client_max_window_bits")!)! : 15;
  const fits = offers.some((offer) => {
    if (offer.name !== PERMESSAGE_DEFLATE) return false;
    const asked = new Map(offer.params);
    if (asked.has("server_no_context_takeover") && !seen.has("server_no_context_takeover")) return false;
    const serverMax = asked.get("server_max_window_bits");
    if (serverMax !== undefined && serverBits > (windowBits(serverMax) ?? 15)) return false;
    if (serverMax !== undefined && !seen.has("server_max_window_bits")) return false;
    const clientMax = asked.get("client_max_window_bits");
    if (seen.has("client_max_window_bits") && clientMax === undefined) return false;
    // Answered without client_max_window_bits, the client keeps to what it offered (below).
    return !seen.has("client_max_window_bits") || clientMax === true || clientBits <= (windowBits(clientMax!) ?? 15);
  });
  if (!fits) return `"${answer}" accepts none of the offers`;
  // An offer's client_max_window_bits=N is a promise of the client's, kept whatever the answer says.
  const promised = offers.map((o) => o.params.find(([n]) => n === "client_max_window_bits")?.[1]).find((v) => v);
  return {
    serverNoContextTakeover: seen.has("server_no_context_takeover"),
    serverWindowBits: serverBits,
    clientWindowBits: Math.min(clientBits, promised ? windowBits(promised) ?? 15 : 15),
  };
}
