import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  codeCacheDirOf,
  defaultCodeCacheEngine,
  loadBundle as loadAnyBundle,
  maxCodeCacheFiles,
  type BundleLoaderOptions,
} from './bundle-loader.js';

/** This module's own loader, whatever the Node running the tests has. */
const loadBundle = (entry: string, options: BundleLoaderOptions = {}) =>
  loadAnyBundle(entry, { engine: 'moat', ...options });

let dir: string;
let bundleDir: string;
let cacheDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moat-bundle-loader-'));
  bundleDir = join(dir, 'bundle');
  cacheDir = join(dir, 'code');
  writeBundle('one');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** An entry chunk requiring a sibling chunk and a Node built-in, as rolldown's CJS output does. */
function writeBundle(word: string): void {
  rmSync(bundleDir, { recursive: true, force: true });
  mkdirSync(bundleDir, { recursive: true });
  const files = {
    'entry.cjs': [
      'const shared = require("./shared-abc.cjs");',
      'const { basename } = require("node:path");',
      'exports.main = (x) => `${shared.word}:${basename(x)}:${typeof __filename}`;',
      'exports.cycle = () => shared.fromEntry();',
    ].join('\n'),
    'shared-abc.cjs': [
      `exports.word = ${JSON.stringify(word)};`,
      'exports.fromEntry = () => require("./entry.cjs").main("/a/b");',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(bundleDir, name), text, { flag: 'w' });
  }
}

const cacheFiles = () => readdirSync(cacheDir).sort();
type Main = (x: string) => string;

describe('loadBundle', () => {
  it('loads chunks through relative requires, built-ins through Node, cycles included', () => {
    const bundle = loadBundle(join(bundleDir, 'entry.cjs'));
    expect((bundle.exports.main as Main)('/x/y.txt')).toBe('one:y.txt:string');
    expect((bundle.exports.cycle as () => string)()).toBe('one:b:string');
  });

  it('writes cached data once and compiles later runs from it', () => {
    const first = loadBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: cacheDir });
    expect(first.cachedChunks).toBe(0);
    first.saveCodeCache();
    const written = cacheFiles();
    expect(written).toHaveLength(2);
    const stamps = written.map((name) => statSync(join(cacheDir, name)).mtimeMs);

    const second = loadBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: cacheDir });
    expect(second.cachedChunks).toBe(2);
    expect((second.exports.main as Main)('/x/z')).toBe('one:z:string');
    second.saveCodeCache();
    expect(cacheFiles().map((name) => statSync(join(cacheDir, name)).mtimeMs)).toEqual(stamps);
  });

  it('never runs stale data for a rebuilt chunk of the same size', () => {
    loadBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: cacheDir }).saveCodeCache();
    writeBundle('two');
    const rebuilt = loadBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: cacheDir });
    expect((rebuilt.exports.main as Main)('/q')).toBe('two:q:string');
    expect(rebuilt.cachedChunks).toBe(1); // the unchanged entry only
  });

  it('compiles as usual when the cached data is garbage, and replaces it', () => {
    // Fresh sources: V8 would reuse scripts this process compiled before without reading data.
    writeBundle(`garbage-${Date.now()}`);
    mkdirSync(cacheDir);
    for (const name of ['entry.cjs', 'shared-abc.cjs']) {
      const key = createHash('sha256')
        .update(readFileSync(join(bundleDir, name), 'utf8'))
        .digest('hex')
        .slice(0, 32);
      writeFileSync(join(cacheDir, `${key}.bin`), 'not a code cache');
    }
    const bundle = loadBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: cacheDir });
    expect(bundle.cachedChunks).toBe(0);
    expect((bundle.exports.main as Main)('/r')).toMatch(/^garbage-\d+:r:string$/);
    bundle.saveCodeCache();
    expect(cacheFiles()).toHaveLength(2);
    for (const name of cacheFiles())
      expect(readFileSync(join(cacheDir, name), 'utf8')).not.toBe('not a code cache');
  });

  it('keeps the directory to its bound, dropping the least recently written files', () => {
    mkdirSync(cacheDir);
    const old = new Date('2020-01-01T00:00:00Z');
    for (let i = 0; i < maxCodeCacheFiles + 10; i++) {
      const file = join(cacheDir, `old-${i}.bin`);
      writeFileSync(file, 'x');
      utimesSync(file, old, old);
    }
    loadBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: cacheDir }).saveCodeCache();
    const kept = cacheFiles();
    expect(kept).toHaveLength(maxCodeCacheFiles);
    expect(kept.filter((name) => !name.startsWith('old-'))).toHaveLength(2);
  });

  it('ignores a cache directory it cannot write', () => {
    writeFileSync(join(dir, 'file'), '');
    const bundle = loadBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: join(dir, 'file') });
    expect(() => bundle.saveCodeCache()).not.toThrow();
  });

  it('keeps the cache per Node version under --cache-dir or the default, off with MOAT_CODE_CACHE=0', () => {
    const version = `${process.version}-${process.arch}`;
    const env = { MOAT_CACHE_DIR: '/c' };
    expect(codeCacheDirOf(['sbom', 'x'], env)).toBe(`/c/code/${version}`);
    expect(codeCacheDirOf(['scan', '--cache-dir', '/d', 'x'], env)).toBe(`/d/code/${version}`);
    expect(codeCacheDirOf(['scan', '--cache-dir=/e', 'x'], env)).toBe(`/e/code/${version}`);
    expect(codeCacheDirOf(['scan', '--', '--cache-dir', '/f'], env)).toBe(`/c/code/${version}`);
    expect(codeCacheDirOf(['sbom', 'x'], { ...env, MOAT_CODE_CACHE: '0' })).toBeUndefined();
  });

  it.runIf(defaultCodeCacheEngine === 'node')(
    "leaves the cache to Node's module.enableCompileCache() where Node has it",
    () => {
      const bundle = loadAnyBundle(join(bundleDir, 'entry.cjs'), { codeCacheDir: cacheDir });
      expect(bundle.engine).toBe('node');
      expect((bundle.exports.main as Main)('/x/y.txt')).toBe('one:y.txt:string');
    },
  );
});
