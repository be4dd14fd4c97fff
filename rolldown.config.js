// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/: one module graph instead of
// ~200 files to resolve and load makes start-up about twice as fast and lighter on memory.
// dist/bundle/ sits two levels below the package root, like dist/cli/, so package.json is found
// at the same relative URL from both. CommonJS, so that bin/moat.cjs can compile the chunks with a
// V8 code cache (src/cli/bundle-loader.ts); Node 20 offers none for ES modules.
import { defineConfig } from 'rolldown';

/**
 * commander loads node:child_process at start-up (~10 ms here) for executable subcommands, which
 * Moat does not use; this defers it to the first spawn. Checked at build time: the build fails
 * when commander's line changes, rather than silently keeping the eager load.
 */
const lazyChildProcess = {
  name: 'moat-lazy-child-process',
  transform(code, id) {
    if (!/[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    const eager = "const childProcess = require('node:child_process');";
    if (!code.includes(eager)) throw new Error(`${id}: commander no longer has "${eager}"`);
    const lazy =
      'const childProcess = { spawn: (...args) => require("node:child_process").spawn(...args) };';
    return { code: code.replace(eager, lazy), map: null };
  },
};

/**
 * packageurl-js builds an ICU collator when it loads (~6 ms here, 6% of a rescan) for one use: to
 * order the names of purl components (type, namespace, name, …), each mapped to a digit first
 * (componentSortOrder in purl-component.js). Digits collate as they compare by code unit, so a
 * code-unit comparison gives the same order without loading ICU's collation data. Checked at build
 * time like the transform above.
 */
const purlWithoutCollator = {
  name: 'moat-purl-without-collator',
  transform(code, id) {
    if (!/[\\/]packageurl-js[\\/]src[\\/]strings\.js$/.test(id)) return null;
    const eager = 'const { compare: localeCompare } = new Intl.Collator()';
    if (!code.includes(eager)) throw new Error(`${id}: packageurl-js no longer has "${eager}"`);
    const plain =
      'const localeCompare = (a, b) => ((a = String(a)) < (b = String(b)) ? -1 : a > b ? 1 : 0)';
    return { code: code.replace(eager, plain), map: null };
  },
};

export default defineConfig([
  {
    plugins: [lazyChildProcess, purlWithoutCollator],
    input: { moat: 'dist/cli/main.js' },
    platform: 'node',
    // A library that finds its own data files through __dirname. better-sqlite3's JavaScript is
    // bundled; its native addon is loaded from node_modules by path (src/util/sqlite.ts).
    // @node-rs/argon2 picks its native addon per platform with require() at load time: it stays
    // in node_modules.
    external: [/^@cyclonedx\//, /^@node-rs\//],
    output: {
      dir: 'dist/bundle',
      format: 'cjs',
      entryFileNames: '[name].cjs',
      chunkFileNames: '[name]-[hash].cjs',
      // Pure ASCII chunks become one-byte strings in V8, read without UTF-8 decoding; JSDoc is
      // for the unbundled library in dist/, and licence comments stay. A rescan runs 4% fewer
      // instructions.
      charset: 'ascii',
      comments: { legal: true, annotation: true, jsdoc: false },
    },
    logLevel: 'warn',
  },
  {
    // The loader bin/moat.cjs requires, built on its own so it shares no chunk with the bundle it
    // loads (a shared chunk would be evaluated twice: once by Node, once by the loader).
    input: { loader: 'dist/cli/bundle-loader.js' },
    platform: 'node',
    output: { dir: 'dist/bundle', format: 'cjs', entryFileNames: '[name].cjs' },
    logLevel: 'warn',
  },
]);
