/**
 * The OCI distribution spec's grammar for repository names, tags and digests (spec.md, "Pulling
 * manifests" and image-spec descriptor.md). Every value taken from a request path or query is
 * checked here before it reaches a store.
 */

/** One path component: lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const nameComponent = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const namePattern = new RegExp(`^${nameComponent}(?:/${nameComponent})*$`);
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/**
 * Longest repository name accepted. The spec advises keeping `host/name` within 255 characters
 * for clients; Distribution refuses names over 255 (its `RepositoryNameTotalLengthMax`).
 */
export const maxRepositoryNameLength = 255;

const digestHexLength: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha512', 128],
]);

/**
 * True for a repository name in the spec's grammar, nested to any depth, within the length limit.
 * @example isRepositoryName('team/app/api') // true
 */
export function isRepositoryName(name: string): boolean {
  return name.length <= maxRepositoryNameLength && namePattern.test(name);
}

/**
 * True for a tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
 * @example isTag('v1.0') // true
 */
export function isTag(tag: string): boolean {
  return tagPattern.test(tag);
}

/**
 * True for `sha256:` + 64 or `sha512:` + 128 lowercase hex digits (the algorithms Moat verifies).
 * @example isDigest('sha256:' + 'a'.repeat(64)) // true
 */
export function isDigest(digest: string): boolean {
  const colon = digest.indexOf(':');
  if (colon <= 0) return false;
  const expected = digestHexLength.get(digest.slice(0, colon));
  const hex = digest.slice(colon + 1);
  return expected !== undefined && hex.length === expected && /^[0-9a-f]+$/.test(hex);
}

/** True when a string looks like a digest (`algorithm:encoded`) rather than a tag. */
export function looksLikeDigest(reference: string): boolean {
  return reference.includes(':');
}
