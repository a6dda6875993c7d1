// The test page: one WebSocket at a time, every send and echo in the log with
// its round-trip time. No markup is built from data (see log-view.js).
import {
  closeProblem,
  defaultSocketUrl,
  formatBytes,
  formatMs,
  parseHex,
  parseProtocols,
  toHex,
  utf8Length,
} from "./codec.js";
import { EntryDetail } from "./entry-detail.js";
import { LatencyChart } from "./latency-chart.js";
import { setUpLogFilter } from "./log-filter.js";
import { downloadJson, logDocument, logFileName } from "./log-export.js";
import { LogView } from "./log-view.js";
import { RECONNECT_LIMITS, Reconnector } from "./reconnect.js";
import { setUpShareUrl } from "./share-url.js";
import { setUpTheme } from "./theme.js";

/** @template {HTMLElement} T @param {string} id @returns {T} */
const $ = (id) => /** @type {T} */ (document.getElementById(id));

const ui = {
  status: $("status"),
  url: /** @type {HTMLInputElement} */ ($("url")),
  protocols: /** @type {HTMLInputElement} */ ($("protocols")),
  connect: /** @type {HTMLButtonElement} */ ($("connect")),
  connectForm: /** @type {HTMLFormElement} */ ($("connect-form")),
  protocol: $("negotiated-protocol"),
  extensions: $("negotiated-extensions"),
  sendForm: /** @type {HTMLFormElement} */ ($("send-form")),
  message: /** @type {HTMLTextAreaElement} */ ($("message")),
  messageError: $("message-error"),
  repeat: /** @type {HTMLInputElement} */ ($("repeat")),
  send: /** @type {HTMLButtonElement} */ ($("send")),
  file: /** @type {HTMLInputElement} */ ($("file")),
  fileLabel: $("file-label"),
  closeForm: /** @type {HTMLFormElement} */ ($("close-form")),
  closeCode: /** @type {HTMLInputElement} */ ($("close-code")),
  closeReason: /** @type {HTMLInputElement} */ ($("close-reason")),
  closeError: $("close-error"),
  close: /** @type {HTMLButtonElement} */ ($("close")),
  clear: /** @type {HTMLButtonElement} */ ($("clear")),
  urlError: $("url-error"),
  reconnect: /** @type {HTMLInputElement} */ ($("reconnect")),
  stopReconnect: /** @type {HTMLButtonElement} */ ($("stop-reconnect")),
  download: /** @type {HTMLButtonElement} */ ($("download")),
  stats: {
    sent: $("stat-sent"),
    received: $("stat-received"),
    bytesSent: $("stat-bytes-sent"),
    bytesReceived: $("stat-bytes-received"),
    lastRtt: $("stat-last-rtt"),
    avgRtt: $("stat-avg-rtt"),
  },
};

const log = new LogView({
  scroller: $("log-scroller"),
  table: /** @type {HTMLTableElement} */ ($("log")),
  body: /** @type {HTMLTableSectionElement} */ ($("log-body")),
  count: $("log-count"),
  follow: /** @type {HTMLInputElement} */ ($("autoscroll")),
  onSelect: (entry) => detail.show(entry),
});
const detail = new EntryDetail({
  heading: $("entry-heading"),
  data: $("entry-data"),
  note: $("entry-note"),
  pretty: /** @type {HTMLInputElement} */ ($("pretty-json")),
  copyData: /** @type {HTMLButtonElement} */ ($("copy-data")),
  copyEntry: /** @type {HTMLButtonElement} */ ($("copy-entry")),
});
const chart = new LatencyChart({
  canvas: /** @type {HTMLCanvasElement} */ ($("latency-chart")),
  summary: $("latency-summary"),
  figures: {
    p50: $("latency-p50"),
    p90: $("latency-p90"),
    p99: $("latency-p99"),
    count: $("latency-count"),
    rate: $("latency-rate"),
  },
});
const reconnector = new Reconnector(() => connect());

const MAX_REPEAT = 10_000;

/** @type {WebSocket | undefined} */
let socket;
/**
 * Send times of the messages not echoed yet, oldest first: the echo keeps
 * order, so each message that arrives answers the oldest one.
 * @type {number[]}
 */
let inFlight = [];
const stats = { sent: 0, received: 0, bytesSent: 0, bytesReceived: 0, lastRtt: NaN, rttTotal: 0, rttCount: 0 };

/** Whether the user asked for the current socket's close (Close Socket, Stop reconnecting). */
let closeAsked = false;

/** @typedef {"ready" | "connecting" | "open" | "closing" | "closed" | "waiting"} State */
const STATUS_TEXT = {
  ready: "Ready to connect",
  connecting: "Connecting",
  open: "Open",
  closing: "Closing",
  closed: "Closed",
  waiting: "Waiting to reconnect",
};

/** The names of the close codes a reconnect follows most (RFC 6455 §7.4.1, IANA registry). */
const CLOSE_NAMES = /** @type {Record<number, string>} */ ({
  1000: "Normal Closure",
  1001: "Going Away",
  1006: "Abnormal Closure: no close frame",
  1008: "Policy Violation",
  1009: "Message Too Big",
  1011: "Internal Error",
  1012: "Service Restart",
  1013: "Try Again Later",
});

/** @param {State} state */
function setState(state) {
  ui.status.textContent = STATUS_TEXT[state];
  /** @type {HTMLElement} */ (ui.status.closest(".status")).dataset.state = state;
  const idle = state === "ready" || state === "closed" || state === "waiting";
  const open = state === "open";
  ui.connect.disabled = !idle;
  ui.url.disabled = !idle;
  ui.protocols.disabled = !idle;
  ui.message.disabled = !open;
  ui.send.disabled = !open;
  ui.file.disabled = !open;
  ui.fileLabel.classList.toggle("disabled", !open);
  ui.close.disabled = !(open || state === "connecting");
  ui.stopReconnect.hidden = open || !reconnector.active;
}

function renderStats() {
  ui.stats.sent.textContent = stats.sent.toLocaleString("en");
  ui.stats.received.textContent = stats.received.toLocaleString("en");
  ui.stats.bytesSent.textContent = formatBytes(stats.bytesSent);
  ui.stats.bytesReceived.textContent = formatBytes(stats.bytesReceived);
  ui.stats.lastRtt.textContent = Number.isNaN(stats.lastRtt) ? "—" : formatMs(stats.lastRtt);
  ui.stats.avgRtt.textContent = stats.rttCount ? formatMs(stats.rttTotal / stats.rttCount) : "—";
}

let statsFrame = 0;
function scheduleStats() {
  if (!statsFrame) {
    statsFrame = requestAnimationFrame(() => {
      statsFrame = 0;
      renderStats();
    });
  }
}

/** @param {string} message */
function logError(message) {
  log.add({ kind: "error", data: message, badge: "error" });
}

/** @param {string | ArrayBuffer | Uint8Array} data */
function describe(data) {
  if (typeof data === "string") {
    return { badge: `text · ${formatBytes(utf8Length(data))}`, data, format: /** @type {const} */ ("text") };
  }
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  return {
    badge: `binary · ${formatBytes(bytes.length)}`,
    data: toHex(bytes),
    format: /** @type {const} */ ("binary"),
  };
}

function connect() {
  ui.urlError.textContent = "";
  const url = ui.url.value.trim();
  const protocols = parseProtocols(ui.protocols.value);
  let ws;
  try {
    ws = new WebSocket(url, protocols);
  } catch (error) {
    // A bad URL or sub-protocol: the constructor throws a SyntaxError.
    logError(`Cannot connect: ${/** @type {Error} */ (error).message}`);
    if (reconnector.active) {
      reconnector.stop();
      setState("closed");
    }
    ui.url.focus();
    return;
  }
  ws.binaryType = "arraybuffer";
  socket = ws;
  closeAsked = false;
  inFlight = [];
  chart.reset();
  Object.assign(stats, {
    sent: 0,
    received: 0,
    bytesSent: 0,
    bytesReceived: 0,
    lastRtt: NaN,
    rttTotal: 0,
    rttCount: 0,
  });
  renderStats();
  ui.protocol.textContent = "—";
  ui.extensions.textContent = "—";
  setState("connecting");
  const attempt = reconnector.attempts
    ? ` (reconnect attempt ${reconnector.attempts} of ${RECONNECT_LIMITS.maxAttempts})`
    : "";
  log.add({
    kind: "event",
    data: `Connecting to ${url}${protocols.length ? ` offering ${protocols.join(", ")}` : ""}${attempt}`,
  });

  ws.addEventListener("open", () => {
    if (socket !== ws) return;
    reconnector.opened();
    setState("open");
    ui.protocol.textContent = ws.protocol || "none";
    ui.extensions.textContent = ws.extensions || "none";
    log.add({ kind: "event", data: `Connection opened${ws.protocol ? ` (protocol: ${ws.protocol})` : ""}` });
    ui.message.focus();
  });

  ws.addEventListener("message", (event) => {
    if (socket !== ws) return;
    const sentAt = inFlight.shift();
    const now = performance.now();
    const rtt = sentAt === undefined ? undefined : now - sentAt;
    /** @type {string | ArrayBuffer} */
    const data = event.data;
    stats.received++;
    stats.bytesReceived += typeof data === "string" ? utf8Length(data) : data.byteLength;
    if (rtt !== undefined) {
      stats.lastRtt = rtt;
      stats.rttTotal += rtt;
      stats.rttCount++;
      chart.add(rtt, now);
    }
    scheduleStats();
    log.add({
      kind: "received",
      from: "Server",
      to: "Client",
      ...describe(data),
      rtt: rtt === undefined ? "" : formatMs(rtt),
      rttMs: rtt,
    });
  });

  ws.addEventListener("error", () => {
    if (socket !== ws) return;
    // The browser gives no detail on purpose; the close event that follows has the code.
    logError("WebSocket error (the browser gives no detail; see the close code below)");
  });

  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = undefined;
    setState("closed");
    const unanswered = inFlight.length;
    inFlight = [];
    if (unanswered) logError(`${unanswered.toLocaleString("en")} sent message(s) had no echo before the close`);
    log.add({
      kind: event.wasClean ? "event" : "error",
      data: `Connection closed. Code: ${event.code}. Reason: ${event.reason}${event.wasClean ? "" : " (not clean)"}`,
    });
    if (!closeAsked && ui.reconnect.checked && scheduleReconnect(event.code)) return;
    reconnector.stop();
    setState("closed"); // again: the Stop button follows the reconnect state
  });
}

/**
 * @param {number} code the close that calls for it
 * @returns {boolean} whether an attempt is scheduled
 */
function scheduleReconnect(code) {
  const why = `close code ${code}${CLOSE_NAMES[code] ? ` (${CLOSE_NAMES[code]})` : ""}`;
  const next = reconnector.schedule();
  if (!next) {
    logError(`Gave up reconnecting after ${RECONNECT_LIMITS.maxAttempts} failed attempts in a row (last: ${why})`);
    return false;
  }
  setState("waiting");
  log.add({
    kind: "event",
    data: `Reconnecting in ${formatMs(next.delayMs)} (attempt ${next.attempt} of ${RECONNECT_LIMITS.maxAttempts}) ` +
      `after ${why}`,
  });
  return true;
}

function stopReconnecting() {
  if (!reconnector.active) return;
  reconnector.stop();
  log.add({ kind: "event", data: "Reconnecting stopped" });
  if (socket) {
    // An attempt is connecting: it goes too.
    closeAsked = true;
    socket.close();
  } else {
    setState("closed");
  }
  ui.connect.focus();
}

/** @param {string | Uint8Array<ArrayBuffer>} data @param {string} [note] */
function send(data, note) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    logError("Not sent: the socket is not open");
    return false;
  }
  try {
    socket.send(data);
  } catch (error) {
    logError(`Not sent: ${/** @type {Error} */ (error).message}`);
    return false;
  }
  inFlight.push(performance.now());
  stats.sent++;
  stats.bytesSent += typeof data === "string" ? utf8Length(data) : data.length;
  scheduleStats();
  const shown = describe(data);
  log.add({ kind: "sent", from: "Client", to: "Server", ...shown, data: note ? `${note}: ${shown.data}` : shown.data });
  return true;
}

function sendMessage() {
  ui.messageError.textContent = "";
  const times = Number(ui.repeat.value || 1);
  if (!Number.isInteger(times) || times < 1 || times > MAX_REPEAT) {
    ui.messageError.textContent = `Times must be a whole number from 1 to ${MAX_REPEAT.toLocaleString("en")}.`;
    logError(`Not sent: ${ui.messageError.textContent}`);
    ui.repeat.focus();
    return;
  }
  const format = /** @type {RadioNodeList} */ (ui.sendForm.elements.namedItem("format")).value;
  /** @type {string | Uint8Array<ArrayBuffer>} */
  let data = ui.message.value;
  if (format === "hex") {
    try {
      data = parseHex(data);
    } catch (error) {
      ui.messageError.textContent = `Not hex: ${/** @type {Error} */ (error).message}.`;
      logError(`Not sent: ${ui.messageError.textContent}`);
      ui.message.focus();
      return;
    }
  }
  const startedAt = performance.now();
  const waiting = inFlight.length;
  let sent = 0;
  while (sent < times && send(data)) sent++;
  if (times > 1 && sent > 0) chart.startBurst({ count: sent, waiting, startedAt });
}

async function sendFile() {
  const file = ui.file.files?.[0];
  ui.file.value = ""; // so choosing the same file again sends it again
  if (!file) return;
  try {
    send(new Uint8Array(await file.arrayBuffer()), file.name);
  } catch (error) {
    logError(`Cannot read ${file.name}: ${/** @type {Error} */ (error).message}`);
  }
}

function closeSocket() {
  ui.closeError.textContent = "";
  if (!socket) return;
  const code = Number(ui.closeCode.value);
  const reason = ui.closeReason.value;
  const problem = closeProblem(code, reason);
  if (problem) {
    ui.closeError.textContent = problem;
    logError(`Not closed: ${problem}`);
    ui.closeCode.focus();
    return;
  }
  try {
    closeAsked = true;
    socket.close(code, reason);
  } catch (error) {
    logError(`Not closed: ${/** @type {Error} */ (error).message}`);
    return;
  }
  setState("closing");
  log.add({ kind: "sent", from: "Client", to: "Server", badge: "close", data: `Code: ${code}. Reason: ${reason}` });
}

ui.connectForm.addEventListener("submit", (event) => {
  event.preventDefault();
  reconnector.stop(); // Connect while waiting to reconnect: now, and from the first attempt
  connect();
});
ui.stopReconnect.addEventListener("click", stopReconnecting);
ui.reconnect.addEventListener("change", () => {
  if (!ui.reconnect.checked) stopReconnecting();
});
ui.download.addEventListener("click", () => {
  downloadJson(logDocument(log.entries(), { url: ui.url.value.trim(), dropped: log.dropped }), logFileName());
});
setUpLogFilter({
  direction: /** @type {HTMLSelectElement} */ ($("log-direction")),
  type: /** @type {HTMLSelectElement} */ ($("log-type")),
  search: /** @type {HTMLInputElement} */ ($("log-search")),
}, log);
setUpTheme(/** @type {HTMLSelectElement} */ ($("theme")), () => chart.redraw());
ui.sendForm.addEventListener("submit", (event) => {
  event.preventDefault();
  sendMessage();
});
ui.message.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendMessage();
  }
});
ui.file.addEventListener("change", () => void sendFile());
ui.closeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  closeSocket();
});
ui.clear.addEventListener("click", () => log.clear());

const shared = setUpShareUrl(ui, { url: defaultSocketUrl(location), protocols: "", reconnect: false });
setState("ready");
renderStats();
if (shared.problem) {
  ui.urlError.textContent = shared.problem;
  logError(shared.problem);
} else if (shared.connect) {
  connect();
}
