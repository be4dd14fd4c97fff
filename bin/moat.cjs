#!/usr/bin/env -S MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=65536 node --v8-pool-size=1
// One malloc arena, and buffers of 64 KiB and more mapped and unmapped on their own, keep the
// garbage of streamed layers from inflating the resident set. No V8 flag, here or at run time: a
// V8 flag would make V8 refuse Node's built-in code cache and ours. `--v8-pool-size` is Node's
// option, not V8's: one background thread for V8's concurrent marking and compiling instead of
// four. On two cores the four took turns with the main thread: matching 2,000 packages in a fresh
// process took 290 ms with them and 212 ms with one, and the CPU time fell by a third.
// CommonJS, like the bundle it loads: an ES module entry would start Node's ES module loader,
// ~7 ms of every command. The bundled CLI (see rolldown.config.js) is loaded with a code cache
// by dist/bundle/loader.cjs (src/cli/bundle-loader.ts, which states what it saves); dist/cli/
// holds the same code unbundled for the library.
'use strict';

const { join } = require('node:path');

const { codeCacheDirOf, loadBundle } = require('../dist/bundle/loader.cjs');

const argv = process.argv.slice(2);
const bundle = loadBundle(join(__dirname, '../dist/bundle/moat.cjs'), {
  codeCacheDir: codeCacheDirOf(argv),
});
// Saved after the work, so the functions it compiled are in the cache (also after a signal: the
// handlers exit through process.exit, which emits 'exit').
process.once('exit', () => bundle.saveCodeCache());
// SIGINT and SIGTERM remove the run's temporary files before the process ends (130, 143).
bundle.exports.removeTempsOnSignals();
bundle.exports.main(argv).then((code) => {
  process.exitCode = code;
});
