/**
 * The mutating webhook's answer: RFC 6902 JSON Patch operations that pin each image to the digest
 * its tag resolved to, base64-encoded as the AdmissionReview's `patch` with `patchType: JSONPatch`.
 * A `test` operation before each `replace` makes the patch fail rather than overwrite an image
 * that changed in between (another mutating webhook reinvoked before this one).
 */

/** One image to pin: the JSON Pointer of its field and the reference it had. */
export interface ImagePin {
  path: string;
  from: string;
  /** The manifest digest the reference resolved to. */
  digest: string;
}

/** An RFC 6902 operation as Moat emits them. */
export type PatchOperation =
  { op: 'test'; path: string; value: string } | { op: 'replace'; path: string; value: string };

/**
 * The reference pinned to `digest`, the tag kept for readers (`nginx:1.27@sha256:…`), the way
 * the container runtime then pulls by digest only. A reference already carrying a digest is kept.
 * @example pinnedReference('nginx:1.27', 'sha256:abc…') // 'nginx:1.27@sha256:abc…'
 */
export function pinnedReference(image: string, digest: string): string {
  return image.includes('@') ? image : `${image}@${digest}`;
}

/** The JSON Patch operations for `pins` (none for an image that already names a digest). */
export function pinPatch(pins: readonly ImagePin[]): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const pin of pins) {
    const value = pinnedReference(pin.from, pin.digest);
    if (value === pin.from) continue;
    operations.push({ op: 'test', path: pin.path, value: pin.from });
    operations.push({ op: 'replace', path: pin.path, value });
  }
  return operations;
}

/** The base64 text of a patch, as `response.patch` carries it. */
export function encodePatch(operations: readonly PatchOperation[]): string {
  return Buffer.from(JSON.stringify(operations), 'utf8').toString('base64');
}
