import {
  type Read as LineRead,
  numberOrText,
  readAffinity,
  readLabel,
  readLines,
  readList,
  readPort,
  readSpread,
  readVolume,
} from "../shared/core/request-text.js";
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
 * The form of a container request, every field of the API's but run mode's (`run`, `command`: the
 * console places, it does not start containers), a line per port, volume, affinity and label written
 * as the CLI's flags are (request-text.ts), and an idempotency key. The API validates
 * what is sent (its 400 names each field), so the form checks only the shape of each line; what it
 * reads can be sent to any route that takes a request. `actions` go beside the submit button (buttons
 * of their own that `read()` the same request).
 */
export function requestForm(submit: string, ...actions: Child[]): RequestForm {
  const input = (id: string, attributes: Record<string, string | boolean> = {}) =>
    h("input", { id, name: id, autocomplete: "off", ...attributes });
  const image = input("image", { required: true, placeholder: "redis:7" });
  const cpus = input("cpus", { required: true, inputmode: "decimal", placeholder: "0.5" });
  const memory = input("memory", { required: true, inputmode: "numeric", placeholder: "256" });
  const disk = input("disk", { inputmode: "numeric" });
  const gpus = input("gpus", { inputmode: "decimal" });
  const gpuModels = input("gpu-models");
  const ports = h("textarea", { id: "ports", name: "ports", rows: 2 });
  const volumes = h("textarea", { id: "volumes", name: "volumes", rows: 2 });
  const type = h("select", { id: "type", name: "type", required: true });
  const typeHint = h("span", { id: "type-hint", class: "hint" });
  type.setAttribute("aria-describedby", "type-hint");
  const constraints = h("textarea", { id: "constraints", name: "constraints", rows: 2 });
  const distinct = input("distinct-hosts", { type: "checkbox" });
  const affinities = h("textarea", { id: "affinities", name: "affinities", rows: 2 });
  const spread = input("spread");
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
    field("disk", "Disk (MiB)", disk, "Optional."),
    field("gpus", "GPUs", gpus, "Optional: whole devices (2) or a share of one device (0.5)."),
    field(
      "gpu-models",
      "GPU models",
      gpuModels,
      "Optional, with GPUs: the models the devices may be, comma-separated.",
    ),
    field(
      "ports",
      "Ports",
      ports,
      "One a line: CONTAINER[:HOST][/udp], like 80:8080 (host port 8080) or 80 (a free one).",
    ),
    field(
      "volumes",
      "Volumes",
      volumes,
      "One a line: NAME:PATH[:create], like pgdata:/var/lib/postgresql/data.",
    ),
    h("p", { class: "field" }, h("label", { for: "type" }, "Type"), type, typeHint),
    field(
      "constraints",
      "Constraints",
      constraints,
      "One a line: key==value, key!=value, key=~regex, key in (a,b), key not in (a,b), host==ID.",
    ),
    field(
      "distinct-hosts",
      "Distinct hosts",
      distinct,
      "Never on a host that runs a live placement of the same image.",
    ),
    field(
      "affinities",
      "Affinities",
      affinities,
      "One a line: WEIGHT:CONSTRAINT, like 50:zone==a (-100 to 100).",
    ),
    field("spread", "Spread", spread, "LABEL, or LABEL=VALUE:PERCENT,..., like zone=a:70,b:30."),
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
      const given = (text: string) => text.trim() !== "";
      const portList = eachLine("ports", ports, readPort);
      if ("problem" in portList) return portList;
      const volumeList = eachLine("volumes", volumes, readVolume);
      if ("problem" in volumeList) return volumeList;
      const affinityList = eachLine("affinities", affinities, readAffinity);
      if ("problem" in affinityList) return affinityList;
      const spreadRead = given(spread.value) ? readSpread(spread.value.trim()) : undefined;
      if (spreadRead && "problem" in spreadRead)
        return { problem: `spread: ${spreadRead.problem}`, field: spread };
      const labelList = eachLine("labels", labels, readLabel);
      if ("problem" in labelList) return labelList;
      const models = readList(gpuModels.value);
      const request = {
        image: image.value.trim(),
        ...(given(cpus.value) && { cpus: cpus.value.trim() }),
        ...(given(memory.value) && { memory: numberOrText(memory.value) }),
        ...(given(disk.value) && { disk: numberOrText(disk.value) }),
        ...(given(gpus.value) && { gpus: numberOrText(gpus.value) }),
        ...(models.length > 0 && { gpu_models: models }),
        ...(portList.value.length > 0 && { ports: portList.value }),
        ...(volumeList.value.length > 0 && { volumes: volumeList.value }),
        type: type.value,
        ...(given(constraints.value) && { constraints: lines(constraints.value) }),
        ...(distinct.checked && { distinct_hosts: true }),
        ...(affinityList.value.length > 0 && { affinities: affinityList.value }),
        ...(spreadRead && { spread: spreadRead.value }),
        ...(labelList.value.length > 0 && { labels: Object.fromEntries(labelList.value) }),
      };
      return { request, idempotencyKey: given(key.value) ? key.value.trim() : undefined };
    },
  };
}

/** A one-a-line field read by `read`, or its problem naming the field and the line, with the field to focus. */
function eachLine<T>(name: string, control: HTMLTextAreaElement, read: (line: string) => LineRead<T>) {
  const all = readLines(control.value, read);
  return "problem" in all ? { problem: `${name}: ${all.problem}`, field: control } : all;
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
