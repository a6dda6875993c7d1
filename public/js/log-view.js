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
 *   format?: "text" | "binary",
 *   rttMs?: number,
 * }} EntryInput
 * `format`: a message's (sent or echoed); `rttMs`: the unrounded `rtt`.
 * @typedef {EntryInput & { seq: number, time: string }} Entry
 * @typedef {(entry: Entry) => boolean} EntryFilter
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
  /** The entries the filter lets through, in order; #entries itself when there is no filter. */
  #shown = this.#entries;
  /** @type {EntryFilter | undefined} */
  #filter;
  /** The seq of the entry chosen to be shown whole (entry-detail.js), or 0. */
  #selected = 0;
  /** @type {(entry: Entry | undefined) => void} */
  #onSelect;
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
   *   count: HTMLElement, follow: HTMLInputElement, capacity?: number,
   *   onSelect?: (entry: Entry | undefined) => void }} elements
   */
  constructor({ scroller, table, body, count, follow, capacity = LOG_CAPACITY, onSelect = () => {} }) {
    this.#onSelect = onSelect;
    this.#scroller = scroller;
    this.#table = table;
    this.#body = body;
    this.#count = count;
    this.#follow = follow;
    this.#capacity = capacity;
    scroller.addEventListener("scroll", () => this.#schedule(false), { passive: true });
    addEventListener("resize", () => this.#schedule(false));
    follow.addEventListener("change", () => follow.checked && this.#schedule(true));
    // A click on a row (or its # button, by keyboard) chooses that entry.
    body.addEventListener("click", (event) => {
      const row = /** @type {Element} */ (event.target).closest("tr.entry");
      const seq = Number(row instanceof HTMLElement ? row.dataset.seq : NaN);
      if (seq) this.select(seq);
    });
    // One # button in the rows is a Tab stop; the arrow keys, Home and End move between entries.
    body.addEventListener("keydown", (event) => {
      const seq = Number(event.target instanceof HTMLElement ? event.target.dataset.seq : NaN);
      const step = { ArrowUp: -1, ArrowDown: 1, Home: -Infinity, End: Infinity }[event.key];
      if (!seq || step === undefined) return;
      event.preventDefault();
      this.#move(seq, step);
    });
    this.#render(false);
  }

  get size() {
    return this.#entries.length;
  }

  /** Entries that went beyond the capacity. */
  get dropped() {
    return this.#dropped;
  }

  /** Every entry kept, oldest first, whatever the filter (a copy). */
  entries() {
    return this.#entries.slice();
  }

  /**
   * Shows only the entries `filter` lets through; undefined shows them all.
   * @param {EntryFilter | undefined} filter
   */
  setFilter(filter) {
    this.#filter = filter;
    this.#shown = filter ? this.#entries.filter(filter) : this.#entries;
    this.#schedule(this.#follow.checked);
  }

  /** @param {number} seq */
  select(seq) {
    const entry = this.#find(seq);
    this.#selected = entry ? seq : 0;
    this.#onSelect(entry);
    this.#schedule(false);
  }

  /**
   * Chooses the entry `step` rows away from `seq` among those shown, scrolls it
   * into view and focuses its # button.
   * @param {number} seq
   * @param {number} step
   */
  #move(seq, step) {
    const shown = this.#shown;
    const at = shown.findIndex((e) => e.seq >= seq);
    const index = Math.max(0, Math.min(shown.length - 1, (at === -1 ? shown.length - 1 : at) + step));
    const entry = shown[index];
    if (!entry) return;
    const rowHeight = this.#rowHeight || 32;
    const header = this.#table.tHead?.offsetHeight ?? 0;
    const top = index * rowHeight;
    const height = this.#scroller.clientHeight - header;
    if (top < this.#scroller.scrollTop) this.#scroller.scrollTop = top;
    else if (top + rowHeight > this.#scroller.scrollTop + height) this.#scroller.scrollTop = top + rowHeight - height;
    this.#focusSeq = entry.seq;
    this.select(entry.seq);
  }
  /** The seq whose # button the next render focuses (keyboard moves), or 0. */
  #focusSeq = 0;

  /** @param {number} seq @returns {Entry | undefined} */
  #find(seq) {
    // Entries are in seq order: a binary search.
    let low = 0;
    let high = this.#entries.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const entry = /** @type {Entry} */ (this.#entries[mid]);
      if (entry.seq === seq) return entry;
      if (entry.seq < seq) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** @param {EntryInput} input */
  add(input) {
    const data = input.data.length > MAX_DATA_CHARS ? `${input.data.slice(0, MAX_DATA_CHARS)} …` : input.data;
    const entry = { ...input, data, seq: ++this.#seq, time: clock() };
    this.#entries.push(entry);
    if (this.#filter?.(entry)) this.#shown.push(entry);
    // Drop in batches: one splice per tenth of the capacity, not one per entry.
    if (this.#entries.length > this.#capacity * 1.1) {
      const excess = this.#entries.length - this.#capacity;
      this.#entries.splice(0, excess);
      this.#dropped += excess;
      if (this.#filter) {
        const oldest = /** @type {Entry} */ (this.#entries[0]).seq;
        const gone = this.#shown.findIndex((e) => e.seq >= oldest);
        this.#shown.splice(0, gone === -1 ? this.#shown.length : gone);
      }
      if (this.#selected && !this.#find(this.#selected)) this.select(0);
    }
    this.#schedule(this.#follow.checked);
  }

  clear() {
    this.#entries = [];
    this.#shown = this.#filter ? [] : this.#entries;
    this.#dropped = 0;
    if (this.#selected) this.select(0);
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
    const shown = this.#shown;
    const total = shown.length;
    // Rows are replaced on every render: a focused # button is focused again after.
    const active = document.activeElement;
    const focusedSeq = this.#focusSeq ||
      (active instanceof HTMLElement && this.#body.contains(active) ? Number(active.dataset.seq) : 0);
    this.#focusSeq = 0;
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
    for (let i = first; i < last; i++) rows.push(this.#row(/** @type {Entry} */ (shown[i]), i));
    rows.push(spacer((total - last) * rowHeight));
    this.#body.replaceChildren(...rows);
    this.#table.setAttribute("aria-rowcount", String(total + 1));

    if (!this.#rowHeight && last > first) {
      this.#rowHeight = /** @type {HTMLElement} */ (rows[1]).getBoundingClientRect().height || rowHeight;
      if (this.#rowHeight !== rowHeight) this.#schedule(toEnd);
    }
    if (toEnd) this.#scroller.scrollTop = this.#scroller.scrollHeight;
    // The Tab stop: the chosen entry's # button if it is in view, else the first in view.
    const buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (this.#body.querySelectorAll("button.seq"));
    const stop = [...buttons].find((b) => Number(b.dataset.seq) === (focusedSeq || this.#selected)) ?? buttons[0];
    if (stop) stop.tabIndex = 0;
    if (focusedSeq) {
      const again = this.#body.querySelector(`button[data-seq="${focusedSeq}"]`);
      if (again instanceof HTMLElement) again.focus({ preventScroll: true });
      else this.#scroller.focus({ preventScroll: true });
    }

    const all = this.#entries.length;
    const dropped = this.#dropped ? ` (${this.#dropped.toLocaleString("en")} older dropped)` : "";
    const of = this.#filter ? `${total.toLocaleString("en")} of ` : "";
    this.#count.textContent = `${of}${all.toLocaleString("en")} ${all === 1 ? "entry" : "entries"}${dropped}`;
  }

  /**
   * @param {Entry} entry
   * @param {number} index
   */
  #row(entry, index) {
    const tr = document.createElement("tr");
    tr.className = `entry entry-${entry.kind}`;
    tr.dataset.seq = String(entry.seq);
    if (entry.seq === this.#selected) tr.dataset.selected = "";
    tr.setAttribute("aria-rowindex", String(index + 2));
    const seq = cell("col-seq", "");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "seq";
    open.dataset.seq = String(entry.seq);
    open.textContent = String(entry.seq);
    open.setAttribute("aria-label", `Show entry ${entry.seq}`);
    open.tabIndex = -1; // #render makes one of them the Tab stop
    seq.append(open);
    tr.append(
      seq,
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
