/**
 * Docker image references, after the grammar of distribution/reference:
 * `[registry[:port]/]path[/path...][:tag][@algorithm:hex]`, path components lowercase.
 */

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);

/** The longest reference accepted. */
export const MAX_IMAGE_LENGTH = 255;

/** True when `image` is a valid Docker image reference of at most 255 characters. */
export function isImageReference(image: string): boolean {
  return image.length <= MAX_IMAGE_LENGTH && REFERENCE.test(image);
}

/** Base 36 digits of a tag: 36^7 ≈ 2^36 values. */
export const IMAGE_TAG_LENGTH = 7;
const TAG_VALUES = 36n ** BigInt(IMAGE_TAG_LENGTH);
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const UINT64 = (1n << 64n) - 1n;

/**
 * The tags of the images seen last, at most TAGS_KEPT: the BigInt hash costs 2.5 to 3.5 µs, and each
 * decision asks the tag of its request's image for the replica counts (ReplicaIndex.of), about a tenth
 * of a batch decision at 10,000 hosts (bench, engine). A cluster runs far fewer images than this.
 */
const TAGS_KEPT = 1024;
const tags = new Map<string, string>();

/**
 * A short, fixed-size stand-in for an image name (7 characters): 64-bit FNV-1a of its UTF-8 bytes
 * (Fowler, Noll, Vo; IETF draft-eastlake-fnv), reduced to about 36 bits. Hosts' records keep it instead
 * of the name, to count replicas of an image (spread). The odds that any two of 1,000 images share a
 * tag are about one in 150,000; if two do, spread counts them as one image, which costs balance only.
 */
export function imageTag(image: string): string {
  let tag = tags.get(image);
  if (tag === undefined) {
    if (tags.size >= TAGS_KEPT) tags.clear();
    tag = fnvTag(image);
    tags.set(image, tag);
  }
  return tag;
}

function fnvTag(image: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(image)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & UINT64;
  return (hash % TAG_VALUES).toString(36).padStart(IMAGE_TAG_LENGTH, "0");
}
