// The Communication Log: a table that renders only the rows in view, so it
// stays responsive with tens of thousands of entries. Every value reaches the
// DOM through textContent, never as markup.

/**
 * @typedef {"sent" | "received" | "event" | "error"} EntryKind
 * @typedef {{
 *   kind: EntryKind,
 *   from?: string,
 *   to?: string,
 *   data: string,
 *   badge?: string,
 *   rtt?: string,
 * }} EntryInput
 * @typedef {EntryInput & { seq: number, time: string }} Entry
 */

/** Oldest entries go beyond this many; the log says how many went. */
export const LOG_CAPACITY = 50_000;
/** Characters of a message the log keeps (the counters have the real size). */
export const MAX_DATA_CHARS = 500;
/** Rows rendered above and below the visible ones, so scrolling shows no gaps. */
const OVERSCAN = 8;
const COLUMNS = 6;

export class LogView {
  /** @type {Entry[]} */
  #entries = [];
  #seq = 0;
  #dropped = 0;
  #frame = 0;
  #rowHeight = 0;
  #scroller;
  #table;
  #body;
  #count;
  #follow;
  #capacity;

  /**
   * @param {{ scroller: HTMLElement, table: HTMLTableElement, body: HTMLTableSectionElement,
   *   count: HTMLElement, follow: HTMLInputElement, capacity?: number }} elements
   */
  constructor({ scroller, table, body, count, follow, capacity = LOG_CAPACITY }) {
    this.#scroller = scroller;
    this.#table = table;
    this.#body = body;
    this.#count = count;
    this.#follow = follow;
    this.#capacity = capacity;
    scroller.addEventListener("scroll", () => this.#schedule(false), { passive: true });
    addEventListener("resize", () => this.#schedule(false));
    follow.addEventListener("change", () => follow.checked && this.#schedule(true));
    this.#render(false);
  }

  get size() {
    return this.#entries.length;
  }

  /** @param {EntryInput} input */
  add(input) {
    const data = input.data.length > MAX_DATA_CHARS ? `${input.data.slice(0, MAX_DATA_CHARS)} …` : input.data;
    this.#entries.push({ ...input, data, seq: ++this.#seq, time: clock() });
    // Drop in batches: one splice per tenth of the capacity, not one per entry.
    if (this.#entries.length > this.#capacity * 1.1) {
      const excess = this.#entries.length - this.#capacity;
      this.#entries.splice(0, excess);
      this.#dropped += excess;
    }
    this.#schedule(this.#follow.checked);
  }

  clear() {
    this.#entries = [];
    this.#dropped = 0;
    this.#scroller.scrollTop = 0;
    this.#schedule(false);
  }

  /** @param {boolean} toEnd */
  #schedule(toEnd) {
    if (this.#frame) {
      if (toEnd) this.#pendingToEnd = true;
      return;
    }
    this.#pendingToEnd = toEnd;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#render(this.#pendingToEnd);
    });
  }
  #pendingToEnd = false;

  /** @param {boolean} toEnd */
  #render(toEnd) {
    const total = this.#entries.length;
    const rowHeight = this.#rowHeight || 32;
    const header = this.#table.tHead?.offsetHeight ?? 0;
    if (toEnd) {
      // Size the table first, so scrolling to the end lands on the real end.
      this.#body.replaceChildren(spacer(total * rowHeight));
      this.#scroller.scrollTop = this.#scroller.scrollHeight;
    }
    const viewport = Math.max(this.#scroller.clientHeight - header, rowHeight);
    const first = Math.max(0, Math.floor((this.#scroller.scrollTop) / rowHeight) - OVERSCAN);
    const last = Math.min(total, first + Math.ceil(viewport / rowHeight) + 2 * OVERSCAN);

    const rows = [spacer(first * rowHeight)];
    for (let i = first; i < last; i++) rows.push(this.#row(/** @type {Entry} */ (this.#entries[i]), i));
    rows.push(spacer((total - last) * rowHeight));
    this.#body.replaceChildren(...rows);
    this.#table.setAttribute("aria-rowcount", String(total + 1));

    if (!this.#rowHeight && last > first) {
      this.#rowHeight = /** @type {HTMLElement} */ (rows[1]).getBoundingClientRect().height || rowHeight;
      if (this.#rowHeight !== rowHeight) this.#schedule(toEnd);
    }
    if (toEnd) this.#scroller.scrollTop = this.#scroller.scrollHeight;

    const dropped = this.#dropped ? ` (${this.#dropped.toLocaleString("en")} older dropped)` : "";
    this.#count.textContent = `${total.toLocaleString("en")} ${total === 1 ? "entry" : "entries"}${dropped}`;
  }

  /**
   * @param {Entry} entry
   * @param {number} index
   */
  #row(entry, index) {
    const tr = document.createElement("tr");
    tr.className = `entry entry-${entry.kind}`;
    tr.setAttribute("aria-rowindex", String(index + 2));
    tr.append(
      cell("col-seq", String(entry.seq)),
      cell("col-time", entry.time),
      cell("col-from", entry.from ?? ""),
      cell("col-to", entry.to ?? ""),
    );
    const data = cell("col-data", "");
    if (entry.badge) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = entry.badge;
      data.append(badge, " ");
    }
    const text = document.createElement("span");
    text.className = "data";
    text.textContent = entry.data;
    data.append(text);
    data.title = entry.data;
    tr.append(data, cell("col-rtt", entry.rtt ?? ""));
    return tr;
  }
}

/**
 * @param {string} className
 * @param {string} text
 */
function cell(className, text) {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  return td;
}

/** An empty row standing for the rows not rendered. @param {number} height */
function spacer(height) {
  const tr = document.createElement("tr");
  tr.className = "spacer";
  tr.setAttribute("aria-hidden", "true");
  const td = document.createElement("td");
  td.colSpan = COLUMNS;
  // CSSOM, not a style attribute: the CSP allows no inline styles.
  td.style.height = `${height}px`;
  tr.append(td);
  return tr;
}

function clock() {
  const now = new Date();
  const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, "0");
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}
