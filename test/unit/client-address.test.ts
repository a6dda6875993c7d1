import { expect, test } from "vitest";
import { AddressList, clientAddress, isAddressOrRange, normalizeAddress } from "../../src/client-address.ts";

test("addresses and CIDR ranges, IPv4 and IPv6, are accepted; anything else is not", () => {
  for (
    const good of ["127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "fd00::/8", "2001:db8::/32", "::ffff:10.0.0.0/104"]
  ) {
    expect(isAddressOrRange(good), good).toBe(true);
  }
  for (
    const bad of ["", "proxy", "10.0.0.0/33", "10.0.0/8", "256.0.0.1", "10.0.0.1/", "::1/129", "1.2.3.4/-1", "a::b::c"]
  ) {
    expect(isAddressOrRange(bad), bad).toBe(false);
  }
  expect(() => new AddressList(["10.0.0.0/8", "nope"])).toThrow(/"nope"/);
});

test("a list matches its addresses and ranges, IPv4-mapped IPv6 as IPv4, and never a non-address", () => {
  const list = new AddressList(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"]);
  expect(list.has("10.255.1.2")).toBe(true);
  expect(list.has("::ffff:10.1.2.3")).toBe(true);
  expect(list.has("11.0.0.1")).toBe(false);
  expect(list.has("192.168.1.7")).toBe(true);
  expect(list.has("192.168.1.8")).toBe(false);
  expect(list.has("fd12:3456::1")).toBe(true);
  expect(list.has("fe80::1")).toBe(false);
  expect(list.has("0:0:0:0:0:0:0:1")).toBe(true);
  expect(list.has("unknown")).toBe(false);
  expect(new AddressList(["::ffff:10.0.0.0/104"]).has("10.9.9.9")).toBe(true);
  expect(new AddressList(["0.0.0.0/0"]).has("::1")).toBe(false);
});

test("one spelling per address", () => {
  expect(normalizeAddress("::ffff:127.0.0.2")).toBe("127.0.0.2");
  expect(normalizeAddress("2001:0DB8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
  expect(normalizeAddress("127.0.0.1")).toBe("127.0.0.1");
  expect(normalizeAddress("not an address")).toBe("not an address");
});

const proxies = new AddressList(["10.0.0.0/8", "::1"]);

test("without trusted proxies, or from an untrusted peer, X-Forwarded-For is ignored", () => {
  expect(clientAddress("203.0.113.9", "198.51.100.1", new AddressList([]))).toBe("203.0.113.9");
  expect(clientAddress("203.0.113.9", "198.51.100.1", proxies)).toBe("203.0.113.9");
  expect(clientAddress("::ffff:203.0.113.9", null, proxies)).toBe("203.0.113.9");
  expect(clientAddress(undefined, "198.51.100.1", proxies)).toBeUndefined();
});

test("from a trusted peer: the right-most untrusted X-Forwarded-For entry", () => {
  // The client claims 1.1.1.1; the edge proxy saw 198.51.100.1; an inner proxy 10.0.0.2 forwarded.
  expect(clientAddress("10.0.0.3", "1.1.1.1, 198.51.100.1, 10.0.0.2", proxies)).toBe("198.51.100.1");
  expect(clientAddress("::1", "198.51.100.1", proxies)).toBe("198.51.100.1");
  // No header: the proxy itself is the client.
  expect(clientAddress("10.0.0.3", null, proxies)).toBe("10.0.0.3");
  // Every entry trusted: the left-most.
  expect(clientAddress("10.0.0.3", "10.0.0.9, 10.0.0.2", proxies)).toBe("10.0.0.9");
  // Ports and brackets, as some proxies write them.
  expect(clientAddress("10.0.0.3", "198.51.100.1:5678", proxies)).toBe("198.51.100.1");
  expect(clientAddress("10.0.0.3", "[2001:db8::7]:443", proxies)).toBe("2001:db8::7");
  expect(clientAddress("10.0.0.3", "2001:db8::7", proxies)).toBe("2001:db8::7");
});

test("an entry that is no address ends the walk at the last address seen", () => {
  expect(clientAddress("10.0.0.3", "198.51.100.1, unknown", proxies)).toBe("10.0.0.3");
  expect(clientAddress("10.0.0.3", "garbage, 10.0.0.2", proxies)).toBe("10.0.0.2");
  expect(clientAddress("10.0.0.3", "", proxies)).toBe("10.0.0.3");
});
