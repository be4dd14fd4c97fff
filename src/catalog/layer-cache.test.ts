import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { memoryImage, type MemoryEntry } from '../../test/fixtures/memory-image.js';
import type { Image } from '../image/types.js';
import { catalogImage } from './inventory.js';
import { LayerCache, layerCachePath } from './layer-cache.js';
import type { BufferAnalyzer } from './types.js';

/** Reads `name version` lines from files called `pkgs.txt`, warning about `bad` lines. */
const listAnalyzer: BufferAnalyzer = {
  name: 'list',
  version: 1,
  input: 'buffer',
  wants: (file) => file.path.endsWith('pkgs.txt'),
  analyze: (file) => {
    const lines = file.content.toString().split('\n').filter(Boolean);
    return Promise.resolve({
      packages: lines
        .filter((line) => line !== 'bad')
        .map((line) => {
          const [name = '', version = ''] = line.split(' ');
          return { type: 'npm' as const, name, version, licenses: [] };
        }),
      warnings: lines.filter((line) => line === 'bad').map(() => `${file.path}: bad line`),
    });
  },
};

/** An in-memory image whose layers carry the given digests; counts the layers actually read. */
function imageOf(
  layers: Array<{ digest: string; entries: MemoryEntry[] }>,
): Image & { reads: number[] } {
  const base = memoryImage(layers.map((l) => l.entries));
  const reads: number[] = [];
  return {
    ...base,
    reads,
    layers: base.layers.map((layer, i) => ({ ...layer, digest: layers[i]?.digest ?? '' })),
    layerEntries(index: number) {
      reads.push(index);
      return base.layerEntries(index);
    },
  };
}

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const baseLayer = {
  digest: digest('a'),
  entries: [
    { path: 'app/pkgs.txt', content: 'left 1.0.0\nbad\n' },
    { path: 'old/pkgs.txt', content: 'gone 1.0.0\n' },
  ],
};

let dir: string;
let cache: LayerCache;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-layer-cache-'));
  cache = LayerCache.open(layerCachePath(dir));
});
afterEach(async () => {
  cache.close();
  await rm(dir, { recursive: true, force: true });
});

async function names(image: Image, layerCache?: LayerCache) {
  const inventory = await catalogImage(image, {
    analyzers: [listAnalyzer],
    ...(layerCache ? { layerCache } : {}),
  });
  return {
    packages: inventory.packages.map((p) => `${p.name}@${p.layerDigest?.slice(7, 8)}`),
    warnings: inventory.warnings,
  };
}

describe('the layer analysis cache', () => {
  it('rescans an image from the cache without reading any layer, with the same result', async () => {
    const first = imageOf([baseLayer]);
    const fresh = await names(first, cache);
    const again = imageOf([baseLayer]);
    expect(await names(again, cache)).toEqual(fresh);
    expect(fresh.packages).toEqual(['gone@a', 'left@a']);
    expect(fresh.warnings).toEqual(['app/pkgs.txt: bad line']);
    expect(again.reads).toEqual([]);
  });

  it('reads only the new layer of an image sharing a cached base, applying its whiteouts', async () => {
    await names(imageOf([baseLayer]), cache);
    const child = imageOf([
      baseLayer,
      {
        digest: digest('b'),
        entries: [{ path: 'old/.wh.pkgs.txt' }, { path: 'new/pkgs.txt', content: 'added 2.0.0\n' }],
      },
    ]);
    expect((await names(child, cache)).packages).toEqual(['added@b', 'left@a']);
    expect(child.reads).toEqual([1]);
  });

  it('gives the same inventory as an uncached walk', async () => {
    const layers = [
      baseLayer,
      { digest: digest('c'), entries: [{ path: 'app/pkgs.txt', content: 'newer 3\n' }] },
    ];
    const uncached = await names(imageOf(layers));
    await names(imageOf(layers), cache);
    expect(await names(imageOf(layers), cache)).toEqual(uncached);
  });

  it('never caches a layer without a content digest', async () => {
    const rootfs = imageOf([{ digest: `dir:${dir}`, entries: baseLayer.entries }]);
    await names(rootfs, cache);
    const again = imageOf([{ digest: `dir:${dir}`, entries: baseLayer.entries }]);
    await names(again, cache);
    expect(again.reads).toEqual([0]);
    expect(cache.stats().entries).toBe(0);
  });

  it('evicts the least recently used entries past its size bound', () => {
    const small = LayerCache.open(join(dir, 'small'), { maxBytes: 250 });
    try {
      small.put('one', Buffer.alloc(100));
      small.put('two', Buffer.alloc(100));
      expect(small.get('one')).toBeDefined();
      small.put('three', Buffer.alloc(100));
      expect(small.get('two')).toBeUndefined();
      expect(small.get('one')).toBeDefined();
      expect(small.get('three')).toBeDefined();
      expect(small.stats()).toEqual({ entries: 2, bytes: 200 });
    } finally {
      small.close();
    }
  });

  it('drops a damaged entry and reads the layer again', async () => {
    await names(imageOf([baseLayer]), cache);
    const files = (await readdir(layerCachePath(dir))).filter((f) => f.endsWith('.gz'));
    expect(files).toHaveLength(1);
    await writeFile(join(layerCachePath(dir), files[0] ?? ''), 'not gzip');
    const again = imageOf([baseLayer]);
    expect((await names(again, cache)).packages).toEqual(['gone@a', 'left@a']);
    expect(again.reads).toEqual([0]);
  });

  it.each([
    [{ op: 'removes', paths: 5, subtree: false }],
    [{ op: 'file', path: 'app/pkgs.txt', result: 'not a list' }],
    [{ op: 'move', path: 'x' }],
    [null],
  ])('drops an entry whose operations are malformed (%j) and reads the layer again', async (op) => {
    await names(imageOf([baseLayer]), cache);
    const files = (await readdir(layerCachePath(dir))).filter((f) => f.endsWith('.gz'));
    await writeFile(
      join(layerCachePath(dir), files[0] ?? ''),
      gzipSync(JSON.stringify({ ops: [op], warnings: [] })),
    );
    const again = imageOf([baseLayer]);
    expect((await names(again, cache)).packages).toEqual(['gone@a', 'left@a']);
    expect(again.reads).toEqual([0]);
  });
});
