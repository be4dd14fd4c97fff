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
//
// `moat serve` is a long-lived server, not a scan: with MALLOC_MMAP_THRESHOLD_ every 64 KiB socket
// and file buffer is mapped and unmapped on its own, which cut its blob throughput to less than
// half (bench/README.md, 2026-12-04). glibc reads the variable only at process start, so the
// command runs in a child Node started without it (one malloc arena and one V8 pool thread stay:
// both measured faster for the server too). The child is bound to this process: it gets our
// signals, we exit with its status, and it is killed if we die (setpriv --pdeathsig), so a
// supervisor's kill -9 of this pid ends the server as it would without the relaunch.
'use strict';

const { join } = require('node:path');

const argv = process.argv.slice(2);
if (argv[0] === 'serve' && process.env.MALLOC_MMAP_THRESHOLD_ !== undefined) {
  relaunchServer();
} else {
  run();
}

function relaunchServer() {
  const { spawn } = require('node:child_process');
  const { existsSync } = require('node:fs');
  const env = { ...process.env };
  delete env.MALLOC_MMAP_THRESHOLD_;
  const nodeArgs = ['--v8-pool-size=1', __filename, ...argv];
  const setpriv = '/usr/bin/setpriv';
  const child = existsSync(setpriv)
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', process.execPath, ...nodeArgs], {
        stdio: 'inherit',
        env,
      })
    : spawn(process.execPath, nodeArgs, { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => {
    process.stderr.write(`moat: cannot start the server process: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
  });
}

function run() {
  const { codeCacheDirOf, loadBundle } = require('../dist/bundle/loader.cjs');
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
}
