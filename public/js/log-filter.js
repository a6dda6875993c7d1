// The log's Show, Type and Search controls: which entries the log lists. The
// log keeps every entry whatever the filter; Download JSON takes them all.

/**
 * @typedef {import("./log-view.js").Entry} Entry
 * @typedef {import("./log-view.js").LogView} LogView
 * @typedef {{ direction: string, type: string, search: string }} LogFilter
 * direction: "all", "sent", "received" or "event" (events and errors);
 * type: "all", "text" or "binary"; search: text the data contains, any case.
 */

/** Typing settles for this long before the log is filtered again (tens of thousands of entries). */
const SEARCH_DELAY_MS = 150;

/**
 * @param {Entry} entry
 * @param {LogFilter} filter
 */
export function entryMatches(entry, filter) {
  if (
    filter.direction === "event" ? entry.kind !== "event" && entry.kind !== "error" : filter.direction !== "all" &&
      entry.kind !== filter.direction
  ) return false;
  if (filter.type !== "all" && entry.format !== filter.type) return false;
  return filter.search === "" || entry.data.toLowerCase().includes(filter.search.toLowerCase());
}

/**
 * @param {{ direction: HTMLSelectElement, type: HTMLSelectElement, search: HTMLInputElement }} controls
 * @param {LogView} log
 */
export function setUpLogFilter({ direction, type, search }, log) {
  const apply = () => {
    /** @type {LogFilter} */
    const filter = { direction: direction.value, type: type.value, search: search.value };
    const everything = filter.direction === "all" && filter.type === "all" && filter.search === "";
    log.setFilter(everything ? undefined : (entry) => entryMatches(entry, filter));
  };
  let timer = 0;
  direction.addEventListener("change", apply);
  type.addEventListener("change", apply);
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(apply, SEARCH_DELAY_MS);
  });
}
