import type { GpuGrant } from "../../core/gpus.js";
import { IMAGE_TAG_LENGTH, imageTag } from "../../core/image.js";
import { createdAtOfSuffix, type PlacementSummary } from "../../core/placement.js";
import type { PortMapping } from "../../core/ports.js";
import { amounts, RESOURCES } from "../../core/resources.js";
import { gpusEntry, gpusOfEntry } from "./gpus.js";

// A live placement's entry in its host item: the short text a commit writes and every read parses.

/**
 * A live placement in its host item's `placements` map: `cpu:memory` (millicores and MiB in base 36: the
 * amounts of the resources every request asks for, in the list's order) then its image's tag (7
 * characters, so no separator before it), keyed by the part of its id after the host's, which also gives
 * its creation time (newPlacementId); `:created` (epoch ms, base 36) follows only for an id made
 * otherwise; then `;` and a resource's code and amount for each other resource it reserves (`;d2s0`:
 * 3,600 MiB of disk), and `;p` and its host ports (`;p68g.28,ffk.1hu`: 8080 to 80 tcp, 20000 to 53
 * udp; see portsEntry), `;g` and its GPU grant (`;gdw.3`: half of device 3; see gpusEntry), and `;v` and
 * the names of the volumes it creates (`;vpgdata,cache`; volume names hold no `;` or `,`). About 28 bytes whatever the image's name, so that a host item stays within 2 KB (two write units: DynamoDB
 * charges a write by 1 KB of the larger of the item before and after it) at about 50 placements, and a
 * few KB when full. The rest of the placement is its record (PlacementItem). Versions before kept
 * `cpu/memory/created/image` (decimal sizes, the image's name): still read, told apart by the slashes.
 */
export type PlacementEntry = string;

/** The key of a placement in its host's `placements` map: its id after the host's. */
export function entryKey(placementId: string): string {
  return placementId.slice(placementId.lastIndexOf(".") + 1);
}

const REQUIRED = RESOURCES.filter((resource) => resource.required);
/** The resources not every request asks for: an entry and a record name only those asked. */
export const OPTIONAL = RESOURCES.filter((resource) => !resource.required);

/** A placement as its host's `placements` map keeps it. */
export function toEntry(placement: PlacementSummary): PlacementEntry {
  const sizes = REQUIRED.map(({ name }) => placement.amounts[name].toString(36)).join(":");
  const created = Date.parse(placement.createdAt);
  const timed =
    Date.parse(createdAtOfSuffix(entryKey(placement.id))) === created ? "" : `:${created.toString(36)}`;
  const others = OPTIONAL.filter(({ name }) => placement.amounts[name] !== 0)
    .map(({ name, code }) => `;${code}${placement.amounts[name].toString(36)}`)
    .join("");
  const volumes = placement.volumes ? `;v${placement.volumes.join(",")}` : "";
  return `${sizes}${placement.imageTag}${timed}${others}${portsEntry(placement.ports)}${gpusEntry(placement.gpus)}${volumes}`;
}

/** `;p` and the mappings, each `host.container` in base 36 with `u` after a udp one; empty when none. */
function portsEntry(ports: readonly PortMapping[] | undefined): string {
  if (!ports?.length) return "";
  const each = ports.map(
    (one) => `${one.host.toString(36)}.${one.container.toString(36)}${one.protocol === "udp" ? "u" : ""}`,
  );
  return `;p${each.join(",")}`;
}

/** The mappings `portsEntry` wrote (after its `p`). */
function portsOfEntry(text: string): PortMapping[] {
  return text.split(",").map((one) => {
    const udp = one.endsWith("u");
    const [hostPort = "", container = ""] = (udp ? one.slice(0, -1) : one).split(".");
    return {
      host: Number.parseInt(hostPort, 36),
      container: Number.parseInt(container, 36),
      protocol: udp ? "udp" : "tcp",
    };
  });
}

/** The summary an entry keeps, in this version's form or the one before (see PlacementEntry). */
export function summaryOfEntry(id: string, key: string, entry: PlacementEntry): PlacementSummary {
  if (entry.includes("/")) {
    const [cpu, memory, created = "", ...image] = entry.split("/");
    const createdAt = new Date(Number.parseInt(created, 36)).toISOString();
    return {
      id,
      imageTag: imageTag(image.join("/")),
      amounts: amounts({ cpu: Number(cpu), memory: Number(memory) }),
      createdAt,
    };
  }
  const [head = "", ...others] = entry.split(";");
  const parts = head.split(":");
  const sized = parts[REQUIRED.length - 1] ?? "";
  const tagAt = sized.length - IMAGE_TAG_LENGTH;
  const created = parts[REQUIRED.length];
  const read = amounts();
  REQUIRED.forEach(({ name }, at) => {
    const value = at === REQUIRED.length - 1 ? sized.slice(0, tagAt) : (parts[at] ?? "");
    read[name] = Number.parseInt(value, 36);
  });
  let ports: PortMapping[] | undefined;
  let gpus: GpuGrant | undefined;
  let volumes: string[] | undefined;
  for (const other of others) {
    if (other[0] === "p") ports = portsOfEntry(other.slice(1));
    if (other[0] === "g") gpus = gpusOfEntry(other.slice(1));
    if (other[0] === "v") volumes = other.slice(1).split(",");
    const resource = OPTIONAL.find(({ code }) => code === other[0]);
    if (resource) read[resource.name] = Number.parseInt(other.slice(1), 36);
  }
  return {
    id,
    imageTag: sized.slice(tagAt),
    amounts: read,
    ...(ports && { ports }),
    ...(gpus && { gpus }),
    createdAt: created ? new Date(Number.parseInt(created, 36)).toISOString() : createdAtOfSuffix(key),
    ...(volumes && { volumes }),
  };
}
