import * as z from "zod";
import { parseMillicores } from "./units.js";

// GPUs: devices, each shared in thousandths. A request asks for whole devices (an integer) or a share of
// one device (0 < x < 1, at most 3 decimals), as in Alibaba's GPU-sharing cluster (Weng et al., USENIX
// ATC '23, the trace in ../shared/traces); the arbiter keeps each device's reserved share and checks, in
// the commit's one write, that no device's shares pass one whole. A host declares its devices (Docker's
// engine API reports none); the scheduler picks the devices on its view, as it picks dynamic ports.

/** A whole device, in thousandths. */
export const WHOLE = 1000;

/** At most this many devices on one host (an 8-GPU server is common; 16 leaves room). */
export const MAX_GPUS = 16;

/** What a request asks: `count` devices, each `share` thousandths of one (WHOLE for whole devices). */
export interface GpuRequest {
  count: number;
  share: number;
  /** The device models it accepts (absent: any). */
  models?: string[];
}

/** The thousandths of a device `wanted` asks in all (0 for no GPU). */
export function askedGpu(wanted: GpuRequest | undefined): number {
  return wanted ? wanted.count * wanted.share : 0;
}

/** A host's devices, as declared: all of one model, ids "0" .. count - 1 (Docker's `DeviceIDs`). */
export interface GpuDevices {
  count: number;
  model: string;
}

/** The devices a placement holds, and how much of each (WHOLE for whole devices). */
export interface GpuGrant {
  devices: number[];
  share: number;
}

const model = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a GPU model is 1-64 characters of A-Z a-z 0-9 . _ -");

/** A request's `gpus`: whole devices (1 .. MAX_GPUS) or a share of one (0 < x < 1, 3 decimals). */
export const gpusSchema = z.number().transform((value, ctx) => {
  const thousandths = parseMillicores(value);
  const whole = typeof thousandths === "number" && thousandths % WHOLE === 0;
  if (typeof thousandths === "string" || (thousandths > WHOLE && !whole) || thousandths > MAX_GPUS * WHOLE) {
    ctx.addIssue({
      code: "custom",
      message: `must be whole devices (an integer from 1 to ${MAX_GPUS}) or a share of one device (0 < x < 1, at most 3 decimals)`,
    });
    return z.NEVER;
  }
  return whole ? { count: thousandths / WHOLE, share: WHOLE } : { count: 1, share: thousandths };
});

/** A request's `gpu_models`: the models its devices may be. */
export const gpuModelsSchema = z.array(model).min(1).max(16);

/** A host's `gpus`: `{"count": 8, "model": "V100M32"}`. */
export const gpuDevicesSchema = z.strictObject({
  count: z.number().int("must be an integer").min(1).max(MAX_GPUS),
  model,
});

/** How much of each of `devices`' devices the `held` grants reserve, in thousandths. */
export function reservedShares(devices: GpuDevices, held: Iterable<GpuGrant | undefined>): number[] {
  const shares = new Array<number>(devices.count).fill(0);
  for (const grant of held) {
    if (!grant) continue;
    for (const device of grant.devices) shares[device] = (shares[device] ?? 0) + grant.share;
  }
  return shares;
}

/**
 * The devices for `wanted` where `shares` are reserved, or why there are none. Whole devices: the first
 * free ones. A share: the fullest device it fits on (best fit), so shares pile up on devices already
 * shared and whole devices stay free for the requests that need them (Weng et al.: fragmentation is
 * what strands GPUs; packing shares together is the first defence against it).
 */
export function assignGpus(wanted: GpuRequest, devices: GpuDevices | null, shares: readonly number[]) {
  if (!devices) return "no GPUs";
  if (wanted.models && !wanted.models.includes(devices.model)) return "GPU model not in gpu_models";
  if (wanted.share === WHOLE) {
    const free: number[] = [];
    for (let device = 0; device < devices.count && free.length < wanted.count; device++) {
      if ((shares[device] ?? 0) === 0) free.push(device);
    }
    return free.length === wanted.count ? { devices: free, share: WHOLE } : "insufficient gpus";
  }
  let best: number | undefined;
  for (let device = 0; device < devices.count; device++) {
    const reserved = shares[device] ?? 0;
    if (reserved + wanted.share > WHOLE) continue;
    if (best === undefined || reserved > (shares[best] ?? 0)) best = device;
  }
  return best === undefined ? "insufficient gpus" : { devices: [best], share: wanted.share };
}

/**
 * The arbiter's check of a grant: each of its devices exists and keeps at most one whole with it (the
 * DynamoDB commit's condition says the same per device). No grant always fits.
 */
export function grantFits(
  grant: GpuGrant | undefined,
  devices: GpuDevices | null,
  shares: readonly number[],
) {
  if (!grant) return true;
  return grant.devices.every(
    (device) => devices !== null && device < devices.count && (shares[device] ?? 0) + grant.share <= WHOLE,
  );
}

/** A grant as the API shows it: `{"devices": ["0"], "share": 0.5}`, or whole devices without a share. */
export function grantView(grant: GpuGrant) {
  return {
    devices: grant.devices.map(String),
    ...(grant.share !== WHOLE && { share: grant.share / WHOLE }),
  };
}

/** The grant a placement's answer shows (grantView's inverse). */
export function grantOfView(view: ReturnType<typeof grantView>): GpuGrant {
  return {
    devices: view.devices.map(Number),
    share: view.share === undefined ? WHOLE : Math.round(view.share * WHOLE),
  };
}

/** A request's GPUs as sent again: the number of devices, or the share. */
export function requestedGpus(wanted: GpuRequest): number {
  return wanted.share === WHOLE ? wanted.count : wanted.share / WHOLE;
}
