// Light or dark. The page follows prefers-color-scheme (style.css pairs every
// colour with light-dark()); the Theme switch can pin one, and the choice is
// remembered in localStorage for this origin.

/** @typedef {"system" | "light" | "dark"} Theme */

export const THEME_KEY = "ws-echo-theme";

/** @param {unknown} value @returns {value is Theme} */
const isTheme = (value) => value === "system" || value === "light" || value === "dark";

/** The remembered choice; "system" when none, or when storage is not available. */
export function storedTheme() {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return isTheme(value) ? value : "system";
  } catch {
    return "system"; // storage blocked (a privacy setting): the system's scheme
  }
}

/** @param {Theme} theme */
function apply(theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/**
 * Wires the Theme switch; `onChange` runs whenever the scheme in use may have
 * changed (the switch, or the system's setting), for what draws its own colours.
 * @param {HTMLSelectElement} select
 * @param {() => void} onChange
 */
export function setUpTheme(select, onChange) {
  const theme = storedTheme();
  select.value = theme;
  apply(theme);
  select.addEventListener("change", () => {
    const chosen = isTheme(select.value) ? select.value : "system";
    apply(chosen);
    try {
      if (chosen === "system") localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, chosen);
    } catch {
      // Not remembered, but applied.
    }
    onChange();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", onChange);
}
