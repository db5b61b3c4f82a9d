import { type GpuGrant, WHOLE } from "../../core/gpus.js";
import { gpuShares, type Host } from "../../core/host.js";

// How GPUs are stored: the host item's `gpus` (`{count, model}`, as declared) and `gpu_shares`, a map of
// each device's reserved thousandths (`{"0": 500}`) that commits and releases move and the commit's
// condition checks per device, in the same one write as the rest (see commit.ts). A placement's entry
// keeps its grant after `;g`.

/** `gpu_shares` of a host: what each device in use has reserved (an empty map without shares). */
export function sharesItem(host: Host): Record<string, number> | undefined {
  if (!host.gpus) return undefined;
  const shares = gpuShares(host);
  return Object.fromEntries(
    shares.flatMap((share, device) => (share > 0 ? [[String(device), share] as const] : [])),
  );
}

/** `;g`, the share (base 36) and the devices (`;grs.0,1`: devices 0 and 1 whole); empty without a grant. */
export function gpusEntry(grant: GpuGrant | undefined): string {
  return grant ? `;g${grant.share.toString(36)}.${grant.devices.map((d) => d.toString(36)).join(",")}` : "";
}

/** The grant `gpusEntry` wrote (after its `g`). */
export function gpusOfEntry(text: string): GpuGrant {
  const [share = "", devices = ""] = text.split(".");
  return {
    share: Number.parseInt(share, 36),
    devices: devices.split(",").map((device) => Number.parseInt(device, 36)),
  };
}

/** Part of an update's expression: the names and values its text uses. */
interface Part {
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * A grant as a commit's and a release's expression parts: the move of each device's share (`+`
 * reserves, `-` releases; an absent share is none), and the commit's condition per device, that it
 * exists and keeps at most one whole with the grant. Parts are empty without a grant.
 */
export function heldGpus(grant: GpuGrant | undefined): {
  move: Part & { text: (sign: "+" | "-") => string };
  fit: Part & { text: string };
} {
  const devices = grant?.devices ?? [];
  if (!grant || devices.length === 0) {
    return { move: { names: {}, values: {}, text: () => "" }, fit: { names: {}, values: {}, text: "" } };
  }
  const deviceNames = Object.fromEntries(devices.map((device) => [`#gd${device}`, String(device)]));
  return {
    move: {
      names: { "#gs": "gpu_shares", ...deviceNames },
      values: { ":gshare": grant.share, ":gzero": 0 },
      /** `, #gs.#gd0 = if_not_exists(#gs.#gd0, :gzero) + :gshare ...` */
      text: (sign: "+" | "-") =>
        devices.map((d) => `, #gs.#gd${d} = if_not_exists(#gs.#gd${d}, :gzero) ${sign} :gshare`).join(""),
    },
    fit: {
      names: { "#gpus": "gpus", "#gcount": "count" },
      values: { ":groom": WHOLE - grant.share, ":gtop": Math.max(...devices) },
      /** ` AND #gpus.#gcount > :gtop AND (attribute_not_exists(#gs.#gd0) OR #gs.#gd0 <= :groom) ...` */
      text: ` AND #gpus.#gcount > :gtop${devices
        .map((d) => ` AND (attribute_not_exists(#gs.#gd${d}) OR #gs.#gd${d} <= :groom)`)
        .join("")}`,
    },
  };
}

/**
 * A host change's GPU parts: `gpu_shares` made when the host first has devices, and, for each device it
 * drops, the condition that the device holds no share (commits move shares without moving the version
 * the change is checked against).
 */
export function changedGpus(host: Host, changed: Host): Part & { set: string; free: string[] } {
  if (!changed.gpus) return { names: {}, values: {}, set: "", free: [] };
  const dropped: number[] = [];
  for (let device = changed.gpus.count; device < (host.gpus?.count ?? 0); device++) dropped.push(device);
  return {
    names: {
      "#gs": "gpu_shares",
      ...Object.fromEntries(dropped.map((device) => [`#gd${device}`, String(device)])),
    },
    values: { ":no_shares": {} },
    set: ", #gs = if_not_exists(#gs, :no_shares)",
    // `:zero` is the change's own (host-writes.ts).
    free: dropped.map((d) => `(attribute_not_exists(#gs.#gd${d}) OR #gs.#gd${d} = :zero)`),
  };
}
