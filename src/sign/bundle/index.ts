/**
 * Sigstore bundles: building the v0.3 bundles Moat writes for key-based signatures and parsing
 * the bundles others wrote.
 */
export { dsseBundle, messageSignatureBundle } from './build.js';
export { parseBundle } from './parse.js';
