/**
 * Where signatures live in a registry: resolving a reference to the digest that gets signed,
 * cosign's legacy `.sig`/`.att` tags, and Sigstore bundles as OCI 1.1 referrers (with the
 * tag-schema fallback). Everything read is bounded (`limits.ts`).
 */
export {
  resolveImage,
  dockerReferenceOf,
  type RegistryAccess,
  type ResolvedImage,
} from './resolve.js';
export {
  appendLegacy,
  readLegacy,
  type AppendedLegacy,
  type AppendLegacyOptions,
  type NewLegacyLayer,
} from './legacy.js';
export { legacyAnnotations, legacyLayerMediaTypes, legacyTag } from './legacy-manifest.js';
export {
  bundleAnnotations,
  bundleReferrerAnnotations,
  bundleV03MediaType,
  readBundleReferrers,
  writeBundleReferrer,
} from './bundle-referrers.js';
export { classifyBundle, cosignSignPredicateType, isBundleMediaType } from './bundle-kind.js';
export { fallbackTag } from './fallback-index.js';
export { defaultSignatureStorageLimits, type SignatureStorageLimits } from './limits.js';
