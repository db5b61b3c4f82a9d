import { type Child, h } from "../dom.js";

/** One view of the console: its title, its elements, and how it reads the API again. */
export interface View {
  title: string;
  root: HTMLElement;
  /** Reads the API and updates the view's regions (never its forms); run on show and every few seconds. */
  refresh(): Promise<void>;
}

/** A view's root: its heading (which takes the focus when the view is shown) and its parts. */
export function viewRoot(title: string, ...parts: Child[]): HTMLElement {
  return h("div", { class: "view" }, h("h1", { tabindex: -1 }, title), ...parts);
}

/** A region of a view that its refresh updates (`update` in dom.ts): a `div` with an id. */
export function region(id: string): HTMLDivElement {
  return h("div", { id, class: "region" });
}
