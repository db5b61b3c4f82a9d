import * as z from "zod";

// Named volumes: a placement rule, not a counted resource. A request mounts Docker named volumes; the
// container goes to the host that holds each of them (as the refresh lists them, `GET /volumes`, or as a
// live placement on it promised to create them). A volume no host holds is created where the container
// lands when its entry says `create`; otherwise the request is unschedulable, naming the volume.
//
// The limit accepted: a commit is one conditional write on one host item, so it cannot check that no
// other host holds a volume. Two requests that create the same new volume at once, each deciding before
// the other's placement is seen, may land on two hosts: both succeed, and each host gets its own empty
// volume of that name (Docker creates it on first mount). Once either placement is committed, every
// later decision sees the volume there (its placement keeps the names it creates), so a volume created
// on one host is never created on another by a decision made after.

/** What the rule reads of a host (host.ts's Host; structural, so that this file imports neither it nor placement.ts). */
interface HostVolumes {
  volumes: readonly string[];
  placements: readonly { volumes?: readonly string[] }[];
}

/** A named volume a container mounts. */
export interface VolumeMount {
  /** Docker's volume name. */
  name: string;
  /** Where it is mounted in the container: an absolute path. */
  path: string;
  /** Whether it may be created where the container lands when no host holds it. */
  create: boolean;
}

/** At most this many volumes per request. */
export const MAX_VOLUMES = 16;

/** Docker's volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, here at most this long. */
export const MAX_VOLUME_NAME = 64;

/** A container path is at most this long. */
export const MAX_VOLUME_PATH = 255;

/**
 * At most this many volume names a host keeps, and at most MAX_HOST_VOLUME_CHARACTERS of them (the
 * first in name order): the list lives in the host's DynamoDB item, which every commit writes (charged
 * by the KB) and every scheduler reads. A volume past the cap is not seen by the rule: a request naming
 * it is placed as if that host did not hold it.
 */
export const MAX_HOST_VOLUMES = 100;

/** The characters of the names a host keeps, all told: about 2 KB of its item. */
export const MAX_HOST_VOLUME_CHARACTERS = 2048;

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Docker's anonymous volumes are named by 64 hex characters: no request names them, so hosts skip them. */
const ANONYMOUS = /^[0-9a-f]{64}$/;

/** Absolute, normalised (no `.`, `..`, `//` or trailing `/`), not the root, no control characters. */
function isContainerPath(path: string): boolean {
  if (!path.startsWith("/") || path.length < 2 || /\p{Cc}/u.test(path)) return false;
  return path
    .slice(1)
    .split("/")
    .every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** Whether `name` is a volume name a request may give. */
export function isVolumeName(name: string): boolean {
  return name.length <= MAX_VOLUME_NAME && VOLUME_NAME.test(name);
}

/** The `volumes` of a container request. */
export const volumesSchema = z
  .array(
    z.strictObject({
      name: z
        .string()
        .refine(
          isVolumeName,
          `must be a Docker volume name: 1-${MAX_VOLUME_NAME} characters of a-z A-Z 0-9 _ . -, starting with a letter or digit`,
        ),
      path: z
        .string()
        .max(MAX_VOLUME_PATH, `at most ${MAX_VOLUME_PATH} characters`)
        .refine(
          isContainerPath,
          "must be an absolute path in the container, such as /var/lib/postgresql/data (not /, no . or .. segments, no // or trailing /)",
        ),
      create: z.boolean().optional(),
    }),
  )
  .max(MAX_VOLUMES, `at most ${MAX_VOLUMES} volumes`)
  .transform((volumes, ctx): VolumeMount[] => {
    const paths = new Set<string>();
    volumes.forEach((volume, index) => {
      if (paths.has(volume.path)) {
        ctx.addIssue({ code: "custom", path: [index, "path"], message: `${volume.path} is mounted twice` });
      }
      paths.add(volume.path);
    });
    return volumes.map((volume) => ({
      name: volume.name,
      path: volume.path,
      create: volume.create ?? false,
    }));
  });

/**
 * The volume names a host keeps of those its engine lists: named ones a request could name (anonymous
 * and malformed ones left out), without duplicates, sorted, the first MAX_HOST_VOLUMES that hold
 * MAX_HOST_VOLUME_CHARACTERS together.
 */
export function keptVolumes(names: readonly string[]): string[] {
  const named = [...new Set(names.filter((name) => isVolumeName(name) && !ANONYMOUS.test(name)))].sort();
  const kept: string[] = [];
  let characters = 0;
  for (const name of named) {
    characters += name.length;
    if (kept.length === MAX_HOST_VOLUMES || characters > MAX_HOST_VOLUME_CHARACTERS) break;
    kept.push(name);
  }
  return kept;
}

/** The names of the volumes a placement creates (those with `create`), as its host's record keeps them. */
export function createdNames(mounts: readonly VolumeMount[] | undefined): string[] | undefined {
  const names = mounts?.filter((mount) => mount.create).map((mount) => mount.name);
  return names?.length ? [...new Set(names)] : undefined;
}

/**
 * Whether a host holds a volume: its engine listed it, or a live placement on it creates it (its
 * container may not have run yet, and the refresh has not seen it yet).
 */
export function holdsVolume(host: HostVolumes, name: string): boolean {
  if (host.volumes.includes(name)) return true;
  for (const placement of host.placements) if (placement.volumes?.includes(name)) return true;
  return false;
}

/** Of the volumes `mounts` names, those some host of `hosts` holds (`hosts` must be the whole cluster). */
export function volumesHeld(hosts: readonly HostVolumes[], mounts: readonly VolumeMount[]): Set<string> {
  const held = new Set<string>();
  for (const host of hosts) {
    for (const { name } of mounts) if (!held.has(name) && holdsVolume(host, name)) held.add(name);
    if (held.size === mounts.length) break;
  }
  return held;
}

/**
 * Filter: why the host cannot take the volumes `mounts` names, or undefined when it can. `held` names those
 * some host of the whole cluster holds (volumesHeld); without it (no whole view) a volume this host does
 * not hold counts as another host's, so nothing is ever created on a guess.
 */
export function volumesReason(
  host: HostVolumes,
  mounts: readonly VolumeMount[],
  held: ReadonlySet<string> | undefined,
): string | undefined {
  for (const { name, create } of mounts) {
    if (holdsVolume(host, name)) continue;
    if (!held || held.has(name)) return `volume ${name} on another host`;
    if (!create) return `volume ${name} on no host (create: true would create it)`;
  }
  return undefined;
}
