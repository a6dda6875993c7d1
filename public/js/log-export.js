// Download JSON: the whole log, as the log keeps it, in a file. The file is a
// Blob URL opened by an <a download>: a download is a navigation, which the
// page's CSP (no navigate-to) does not restrict, and nothing is fetched.

/** @typedef {import("./log-view.js").Entry} Entry */

/**
 * The log as a JSON document. `data` is what the log keeps: at most
 * MAX_DATA_CHARS characters of a message (the size is in `badge`), binary as hex.
 * @param {Entry[]} entries
 * @param {{ url: string, dropped: number, now?: Date }} about
 */
export function logDocument(entries, { url, dropped, now = new Date() }) {
  return {
    exportedAt: now.toISOString(),
    url,
    droppedOlder: dropped,
    entries: entries.map(({ seq, time, kind, from, to, format, badge, data, rtt, rttMs }) => ({
      seq,
      time,
      kind,
      from: from ?? null,
      to: to ?? null,
      format: format ?? null,
      badge: badge ?? null,
      data,
      rtt: rtt || null,
      rttMs: rttMs ?? null,
    })),
  };
}

/** ws-echo-log-2026-07-01T12-30-05.json, in local time. @param {Date} now */
export function logFileName(now = new Date()) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  return `ws-echo-log-${date}T${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}.json`;
}

/**
 * @param {unknown} document
 * @param {string} fileName
 */
export function downloadJson(document, fileName) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(document, null, 2)], { type: "application/json" }));
  const link = globalThis.document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  globalThis.document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference once it starts; the URL can go soon after.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
