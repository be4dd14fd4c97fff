#!/usr/bin/env -S MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=65536 node --v8-pool-size=1
// One malloc arena, and buffers of 64 KiB and more mapped and unmapped on their own, keep the
// garbage of streamed layers from inflating the resident set; the V8 side of the memory bound is
// set at run time, only when layers are streamed (src/cli/memory.ts): any V8 flag here would make
// V8 refuse Node's built-in code cache and ours. `--v8-pool-size` is Node's option, not V8's: one
// background thread for V8's concurrent marking and compiling instead of four. On two cores the
// four took turns with the main thread: matching 2,000 packages in a fresh process took 290 ms
// with them and 212 ms with one, and the CPU time fell by a third.
// CommonJS, like the bundle it loads: an ES module entry would start Node's ES module loader,
// ~7 ms of every command. The bundled CLI (see rolldown.config.js) is loaded with a V8 code cache
// by dist/bundle/loader.cjs (src/cli/bundle-loader.ts); dist/cli/ holds the same code unbundled
// for the library.
'use strict';

const { join } = require('node:path');

const { defaultCodeCacheDir, loadBundle } = require('../dist/bundle/loader.cjs');

const bundle = loadBundle(join(__dirname, '../dist/bundle/moat.cjs'), {
  codeCacheDir: defaultCodeCacheDir(),
});
// Saved after the work, so the functions it compiled are in the cache, with V8's flags restored
// if the memory bound changed them (data saved under other flags is refused); and as partial data
// just before the bound, in case the run does not end normally.
bundle.exports.onBeforeMemoryBound(() => bundle.saveCodeCache({ partial: true }));
process.once('exit', () => {
  bundle.exports.releaseMemoryBound();
  bundle.saveCodeCache();
});
bundle.exports.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
