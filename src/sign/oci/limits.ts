/**
 * Bounds on what a registry may hand the signature storage: every document and blob read for a
 * signature is bounded, and so is the number of layers, referrers and pages. Reaching one is
 * `SignError` `LIMIT_EXCEEDED` naming the document and the limit (docs/limits.md, "Signatures").
 */

/** The limits `oci/` applies (all sizes in bytes). */
export interface SignatureStorageLimits {
  /** Largest `.sig`/`.att` manifest, referrer manifest or referrer index page. */
  maxManifestBytes: number;
  /** Most layers in one `.sig`/`.att` manifest (cosign's own bound, `maxLayers = 1000`). */
  maxLegacyLayers: number;
  /** Largest simple-signing payload or signature bundle layer. */
  maxSignatureLayerBytes: number;
  /** Largest attestation layer (DSSE envelope or attestation bundle). */
  maxAttestationLayerBytes: number;
  /** Most bytes of signature layers read for one image in one call. */
  maxTotalLayerBytes: number;
  /** Most Sigstore-bundle referrers considered for one image. */
  maxBundleReferrers: number;
  /** Most referrer descriptors of any type in a listing (all pages together). */
  maxReferrerEntries: number;
  /** Most pages of a referrers listing followed through `Link` headers. */
  maxReferrerPages: number;
}

const MiB = 1024 * 1024;

/** The defaults. */
export const defaultSignatureStorageLimits: Readonly<SignatureStorageLimits> = Object.freeze({
  maxManifestBytes: 8 * MiB,
  maxLegacyLayers: 1000,
  maxSignatureLayerBytes: 4 * MiB,
  maxAttestationLayerBytes: 64 * MiB,
  maxTotalLayerBytes: 256 * MiB,
  maxBundleReferrers: 100,
  maxReferrerEntries: 1000,
  maxReferrerPages: 10,
});
