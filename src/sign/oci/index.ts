/**
 * Where signatures live in a registry: resolving a reference to the digest that gets signed,
 * cosign's legacy `.sig`/`.att` tags, and Sigstore bundles as OCI 1.1 referrers (with the
 * tag-schema fallback). Everything read is bounded (`limits.ts`).
 */
export { resolveImage, type RegistryAccess } from './resolve.js';
export { appendLegacy, readLegacy } from './legacy.js';
export { legacyAnnotations, legacyLayerMediaTypes, legacyTag } from './legacy-manifest.js';
export {
  bundleReferrerAnnotations,
  readBundleReferrers,
  writeBundleReferrer,
} from './bundle-referrers.js';
export { fallbackTag } from './fallback-index.js';
