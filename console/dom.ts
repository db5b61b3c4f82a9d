/** What an element may hold: nodes, text, and nothing (null, undefined and false are left out). */
export type Child = Node | string | number | null | undefined | false;

/** Attributes (a string, or true for a present boolean attribute; false and undefined leave it out). */
export type Attributes = Record<string, string | number | boolean | undefined>;

/** A new element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...nodes(children));
  return element;
}

function nodes(children: Child[]): (Node | string)[] {
  return children.flatMap((child) =>
    child === null || child === undefined || child === false
      ? []
      : [typeof child === "number" ? String(child) : child],
  );
}

/** What each region last showed, so that a refresh that changes nothing touches nothing. */
const shown = new WeakMap<Element, string>();

/**
 * Replaces what `region` shows with `render()`, unless `data` is what it showed last: an unchanged
 * region keeps its nodes, its focus and its scroll, and a screen reader hears nothing. When the focus
 * was on an element with a `data-key` inside it, it goes to the element of the same key afterwards, or
 * to the region itself (which can take focus) when that element is gone (a released placement's row).
 */
export function update(region: HTMLElement, data: unknown, render: () => Child[]): void {
  const json = JSON.stringify(data);
  if (shown.get(region) === json) return;
  shown.set(region, json);
  const focused = document.activeElement;
  const key = focused instanceof HTMLElement && region.contains(focused) ? focused.dataset.key : undefined;
  const hadFocus = focused !== null && focused !== region && region.contains(focused);
  region.replaceChildren(...nodes(render()));
  if (!hadFocus) return;
  const again =
    key === undefined ? null : region.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`);
  if (again) {
    again.focus();
  } else {
    region.tabIndex = -1;
    region.focus();
  }
}

/** A table with a caption, a header row and rows; `scope` on the header cells. */
export function table(caption: string, headers: string[], rows: Child[][]): HTMLTableElement {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headers.map((header) => h("th", { scope: "col" }, header)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => h("td", {}, cell))))),
  );
}

/** A description list of name and value pairs. */
export function fields(pairs: [string, Child][]): HTMLDListElement {
  return h("dl", {}, ...pairs.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}

/** A section with a heading of its own (named by it for assistive technology) and a region to update. */
export function section(id: string, title: string, region: HTMLElement, ...before: Child[]): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, title),
    ...before,
    region,
  );
}

/** The page's polite live region: says what an action did (placed, released, drained) or why it failed. */
export function announce(text: string): void {
  const status = document.getElementById("announcer");
  if (status) status.textContent = text;
}

/** The event that asks the shown view to read the API again at once (after an action). */
export const REFRESH_EVENT = "citadel:refresh";

/** Asks the shown view to read the API again now (main.ts runs it, and reports a failure). */
export function refreshNow(): void {
  document.dispatchEvent(new Event(REFRESH_EVENT));
}
