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
