import { expect, test } from "vitest";
import { agreedTerms, parseExtensions } from "./negotiation.ts";

const offers = (header: string) => parseExtensions(header);

test("extension lists parse into names and parameters, quoted values unquoted", () => {
  expect(parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10", x-y')).toEqual([
    { name: "permessage-deflate", params: [["client_max_window_bits", true], ["server_max_window_bits", "10"]] },
    { name: "x-y", params: [] },
  ]);
});

test("valid answers give the terms the client keeps to", () => {
  expect(agreedTerms(offers("permessage-deflate"), "permessage-deflate")).toEqual({
    serverNoContextTakeover: false,
    serverWindowBits: 15,
    clientWindowBits: 15,
  });
  // The server may add server_no_context_takeover, server_max_window_bits and client_no_context_takeover unasked.
  expect(
    agreedTerms(
      offers("permessage-deflate"),
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15",
    ),
  ).toEqual({ serverNoContextTakeover: true, serverWindowBits: 15, clientWindowBits: 15 });
  expect(
    agreedTerms(
      offers("permessage-deflate; server_max_window_bits=10"),
      "permessage-deflate; server_max_window_bits=9",
    ),
  )
    .toMatchObject({ serverWindowBits: 9 });
  // Answered without client_max_window_bits, the client still keeps to the window it offered.
  expect(agreedTerms(offers("permessage-deflate; client_max_window_bits=9"), "permessage-deflate")).toMatchObject({
    clientWindowBits: 9,
  });
  expect(
    agreedTerms(offers("permessage-deflate; client_max_window_bits"), "permessage-deflate; client_max_window_bits=12"),
  )
    .toMatchObject({ clientWindowBits: 12 });
  // Several offers: the answer fits the last one.
  expect(
    agreedTerms(offers("permessage-deflate; server_max_window_bits=10, permessage-deflate"), "permessage-deflate"),
  ).toMatchObject({ serverWindowBits: 15 });
});

test("invalid answers are named (RFC 7692 §7.1)", () => {
  const invalid: [offer: string, answer: string, why: RegExp][] = [
    ["permessage-deflate", "permessage-deflate, permessage-deflate", /2 extensions/],
    ["permessage-deflate", "x-webkit-deflate-frame", /not offered/],
    ["permessage-deflate", "permessage-deflate; server_no_context_takeover; server_no_context_takeover", /twice/],
    ["permessage-deflate", "permessage-deflate; client_no_context_takeover=1", /with a value/],
    ["permessage-deflate", "permessage-deflate; server_max_window_bits=16", /8 to 15/],
    ["permessage-deflate", "permessage-deflate; server_max_window_bits=09", /8 to 15/],
    ["permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits", /8 to 15/],
    ["permessage-deflate", "permessage-deflate; level=9", /unknown parameter/],
    // client_max_window_bits only when offered; server_no_context_takeover and server_max_window_bits when asked for.
    ["permessage-deflate", "permessage-deflate; client_max_window_bits=15", /none of the offers/],
    ["permessage-deflate; server_no_context_takeover", "permessage-deflate", /none of the offers/],
    ["permessage-deflate; server_max_window_bits=10", "permessage-deflate", /none of the offers/],
    ["permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=12", /none/],
    ["permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=11", /none/],
  ];
  for (const [offer, answer, why] of invalid) expect(agreedTerms(offers(offer), answer), answer).toMatch(why);
});
