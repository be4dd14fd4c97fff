/**
 * Sigstore bundles: building the v0.3 bundles Moat writes for key-based signatures and parsing
 * the bundles others wrote.
 */
export {
  bundleMediaType,
  dsseBundle,
  messageDigestAlgorithm,
  messageSignatureBundle,
} from './build.js';
export { legacyKeylessBundle } from './from-legacy.js';
export { knownBundleMediaTypes, parseBundle, type ParsedBundle } from './parse.js';
