import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { codeCachePath, defaultCacheDir, layerCachePath, vulnDbPath } from './cache-paths.js';

describe('defaultCacheDir', () => {
  it('prefers MOAT_CACHE_DIR over XDG_CACHE_HOME', () => {
    expect(defaultCacheDir({ MOAT_CACHE_DIR: '/m', XDG_CACHE_HOME: '/x' })).toBe('/m');
  });

  it('uses XDG_CACHE_HOME/moat when MOAT_CACHE_DIR is unset', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/moat');
  });

  it('falls back to ~/.cache/moat', () => {
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'moat'));
  });

  it('keeps the database in db/moat-vuln.db', () => {
    expect(vulnDbPath('/c')).toBe('/c/db/moat-vuln.db');
  });
});

describe('cache paths', () => {
  it('keeps the layer and code caches inside the same cache directory', () => {
    expect(layerCachePath('/c')).toBe('/c/layers');
    expect(codeCachePath('/c')).toBe(`/c/code/${process.version}-${process.arch}`);
  });
});
