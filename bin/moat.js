#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// Memory is part of the contract (peak RSS <= 128 MB on any image): a small young generation and
// two malloc arenas keep the garbage of streamed layers from inflating the resident set.
// The bundled CLI (see rolldown.config.js) is loaded with a V8 code cache (bundle-loader.ts);
// dist/cli/ holds the same code unbundled for the library.
import { fileURLToPath } from 'node:url';

import { defaultCodeCacheDir, loadBundle } from '../dist/cli/bundle-loader.js';

const bundle = loadBundle(fileURLToPath(new URL('../dist/bundle/moat.cjs', import.meta.url)), {
  codeCacheDir: defaultCodeCacheDir(),
});
// Written after the work, so the functions it compiled are in the cache.
process.once('exit', () => bundle.saveCodeCache());
process.exitCode = await bundle.exports.main(process.argv.slice(2));
