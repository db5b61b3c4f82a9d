import type { SchedulersBody } from "./bodies.js";
import { type Child, h } from "./dom.js";

/** A container request read from the form, with its optional idempotency key; or why it cannot be read. */
export type Read =
  | { request: Record<string, unknown>; idempotencyKey: string | undefined }
  | { problem: string; field: HTMLElement };

/** The placement form: its element, what it holds as a request, and the scheduler types it offers. */
export interface RequestForm {
  form: HTMLFormElement;
  read(): Read;
  /** Offers the scheduler types in the type's select; answers whether it holds any. */
  offer(types: SchedulersBody["schedulers"]): boolean;
}

/** A labelled field with a hint its control is described by. */
function field(id: string, label: string, control: HTMLElement, hint?: string) {
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return h(
    "p",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint && h("span", { id: `${id}-hint`, class: "hint" }, hint),
  );
}

/**
 * The form of a container request: image, cpus, memory, type, constraints and labels, and an
 * idempotency key. The API validates what is sent (its 400 names each field), so the form checks
 * nothing but the shape of labels; what it reads can be sent to any route that takes a request.
 * `actions` go beside the submit button (buttons of their own that `read()` the same request).
 */
export function requestForm(submit: string, ...actions: Child[]): RequestForm {
  const input = (id: string, attributes: Record<string, string | boolean> = {}) =>
    h("input", { id, name: id, autocomplete: "off", ...attributes });
  const image = input("image", { required: true, placeholder: "redis:7" });
  const cpus = input("cpus", { required: true, inputmode: "decimal", placeholder: "0.5" });
  const memory = input("memory", { required: true, inputmode: "numeric", placeholder: "256" });
  const type = h("select", { id: "type", name: "type", required: true });
  const typeHint = h("span", { id: "type-hint", class: "hint" });
  type.setAttribute("aria-describedby", "type-hint");
  const constraints = h("textarea", { id: "constraints", name: "constraints", rows: 2 });
  const labels = h("textarea", { id: "labels", name: "labels", rows: 2 });
  const key = input("idempotency-key");
  let descriptions = new Map<string, string>();
  const describe = () => {
    typeHint.textContent = descriptions.get(type.value) ?? "";
  };
  type.addEventListener("change", describe);
  const form = h(
    "form",
    { class: "request", novalidate: true, "aria-label": "Container request" },
    field("image", "Image", image, "A Docker image reference."),
    field("cpus", "Cpus", cpus, "A decimal, at most 3 decimals."),
    field("memory", "Memory (MiB)", memory),
    h("p", { class: "field" }, h("label", { for: "type" }, "Type"), type, typeHint),
    field(
      "constraints",
      "Constraints",
      constraints,
      "One a line: key==value, key!=value, key=~regex, key in (a,b), key not in (a,b), host==ID.",
    ),
    field("labels", "Labels", labels, "One a line: key=value."),
    field("idempotency-key", "Idempotency key", key, "Optional: a retry with the same key places once."),
    h("p", { class: "actions" }, h("button", { type: "submit" }, submit), ...actions),
  );
  return {
    form,
    offer: (types) => {
      descriptions = new Map(types.map((scheduler) => [scheduler.type, scheduler.description]));
      type.replaceChildren(
        ...types.map((scheduler) =>
          // The type's score rules, heaviest first.
          h("option", { value: scheduler.type }, `${scheduler.type} (${ruleNames(scheduler.score)})`),
        ),
      );
      describe();
      return types.length > 0;
    },
    read: () => {
      const labelLines = lines(labels.value);
      const bad = labelLines.findIndex((line) => line.indexOf("=") < 1);
      if (bad >= 0) return { problem: `labels: line ${bad + 1} is not key=value`, field: labels };
      const pairs = labelLines.map((line) => {
        const at = line.indexOf("=");
        return [line.slice(0, at), line.slice(at + 1)];
      });
      const given = (text: string) => text.trim() !== "";
      const request = {
        image: image.value.trim(),
        ...(given(cpus.value) && { cpus: cpus.value.trim() }),
        // A whole number as a number; anything else as typed, for the API's 400 to name.
        ...(given(memory.value) && {
          memory: /^\d+$/.test(memory.value.trim()) ? Number(memory.value) : memory.value,
        }),
        type: type.value,
        ...(given(constraints.value) && { constraints: lines(constraints.value) }),
        ...(pairs.length > 0 && { labels: Object.fromEntries(pairs) }),
      };
      return { request, idempotencyKey: given(key.value) ? key.value.trim() : undefined };
    },
  };
}

/** The non-empty lines of a text, trimmed. */
function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** A type's score rules, heaviest first: what its name in the type list says of it. */
function ruleNames(score: Readonly<Record<string, number>>): string {
  return Object.entries(score)
    .sort(([, a], [, b]) => b - a)
    .map(([name]) => name)
    .join(", ");
}
