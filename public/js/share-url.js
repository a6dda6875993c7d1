// A setup to share: ?url=…&protocols=…&reconnect=1&connect=1 fills the
// Connection form (and connects), and the address bar follows the form, so
// copying it copies the setup. A url that is not ws: or wss: is refused: a
// link must not point the page at anything but a WebSocket.

/**
 * @typedef {{ url: string, protocols: string, reconnect: boolean }} Setup
 * @typedef {Setup & { connect: boolean, problem?: string }} SharedSetup
 */

/**
 * The setup a query string asks for, over the page's defaults.
 * @param {string} search location.search
 * @param {Setup} defaults
 * @returns {SharedSetup}
 */
export function readSetup(search, defaults) {
  const query = new URLSearchParams(search);
  const setup = {
    ...defaults,
    protocols: query.get("protocols") ?? defaults.protocols,
    reconnect: query.has("reconnect") ? query.get("reconnect") === "1" : defaults.reconnect,
    connect: query.get("connect") === "1",
  };
  const url = query.get("url");
  if (url === null) return setup;
  const problem = socketUrlProblem(url);
  if (problem) return { ...setup, connect: false, problem: `Refused the url in the address: ${problem}` };
  return { ...setup, url };
}

/**
 * Why `value` is no WebSocket URL, or undefined when it is one.
 * @param {string} value
 */
export function socketUrlProblem(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL.`;
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    return `"${value}" is a ${url.protocol} URL; only ws: and wss: URLs are taken.`;
  }
  return undefined;
}

/**
 * The query string for a setup: only what differs from the defaults.
 * @param {Setup} setup
 * @param {Setup} defaults
 */
export function setupQuery(setup, defaults) {
  const query = new URLSearchParams();
  if (setup.url !== defaults.url) query.set("url", setup.url);
  if (setup.protocols !== defaults.protocols) query.set("protocols", setup.protocols);
  if (setup.reconnect !== defaults.reconnect) query.set("reconnect", setup.reconnect ? "1" : "0");
  const text = query.toString();
  return text ? `?${text}` : "";
}

/**
 * Fills the form from the address, then keeps the address in step with it.
 * Returns what the address asked for (connect, or a refusal to show).
 * @param {{ url: HTMLInputElement, protocols: HTMLInputElement, reconnect: HTMLInputElement }} form
 * @param {Setup} defaults
 */
export function setUpShareUrl(form, defaults) {
  const shared = readSetup(location.search, defaults);
  form.url.value = shared.url;
  form.protocols.value = shared.protocols;
  form.reconnect.checked = shared.reconnect;
  const follow = () => {
    const query = setupQuery(
      { url: form.url.value.trim(), protocols: form.protocols.value.trim(), reconnect: form.reconnect.checked },
      defaults,
    );
    const next = `${location.pathname}${query}${location.hash}`;
    if (next !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", next);
  };
  for (const input of [form.url, form.protocols]) input.addEventListener("input", follow);
  form.reconnect.addEventListener("change", follow);
  return shared;
}
