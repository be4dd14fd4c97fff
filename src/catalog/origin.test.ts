import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { memoryImage, type MemoryEntry } from '../../test/fixtures/memory-image.js';
import { catalogImage } from './inventory.js';
import { LayerCache } from './layer-cache.js';
import type { Inventory } from './types.js';

const status = (...pkgs: Array<[string, string]>) =>
  pkgs
    .map(
      ([name, version]) =>
        `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`,
    )
    .join('\n');

const apkDb = (...pkgs: Array<[string, string]>) =>
  pkgs.map(([name, version]) => `P:${name}\nV:${version}\nA:x86_64\n`).join('\n');

const packageLock = (...pkgs: Array<[string, string]>) =>
  JSON.stringify({
    lockfileVersion: 3,
    packages: Object.fromEntries<object>([
      ['', { name: 'app' }],
      ...pkgs.map(([name, version]): [string, object] => [`node_modules/${name}`, { version }]),
    ]),
  });

/** Name → the index of the layer its package is attributed to (memory image digests). */
function layersByName(inventory: Inventory): Record<string, number> {
  return Object.fromEntries(
    inventory.packages.map((p) => [`${p.type}:${p.name}@${p.version}`, Number(p.layerDigest?.[7])]),
  );
}

/** Base: a and b; layer 1: adds c (rewrites the file); layer 2: rewrites it unchanged but b upgraded. */
function threeLayers(path: string, write: (...pkgs: Array<[string, string]>) => string) {
  return [
    [{ path, content: write(['a', '1'], ['b', '1']) }],
    [{ path, content: write(['a', '1'], ['b', '1'], ['c', '1']) }],
    [{ path, content: write(['a', '1'], ['b', '2'], ['c', '1']) }],
  ] satisfies MemoryEntry[][];
}

describe('package origin layer', () => {
  it.each([
    ['deb', 'var/lib/dpkg/status', status],
    ['apk', 'lib/apk/db/installed', apkDb],
    ['npm', 'app/package-lock.json', packageLock],
  ] as const)(
    'puts each %s package on the layer where it first appeared, not the last rewrite',
    async (type, path, write) => {
      const inventory = await catalogImage(memoryImage(threeLayers(path, write)));
      expect(layersByName(inventory)).toEqual({
        [`${type}:a@1`]: 0,
        [`${type}:b@2`]: 2,
        [`${type}:c@1`]: 1,
      });
    },
  );

  it('starts afresh after the database was removed, or the package left it, in between', async () => {
    const path = 'var/lib/dpkg/status';
    const inventory = await catalogImage(
      memoryImage([
        [{ path, content: status(['a', '1'], ['b', '1']) }],
        [{ path, content: status(['a', '1']) }],
        [{ path, content: status(['a', '1'], ['b', '1']) }],
        [{ path: 'var/lib/dpkg/.wh.status' }],
        [{ path, content: status(['a', '1'], ['b', '1']) }, { path: 'keep' }],
        [{ path, content: status(['a', '1'], ['b', '1']) }],
      ]),
    );
    expect(layersByName(inventory)).toEqual({ 'deb:a@1': 4, 'deb:b@1': 4 });
  });

  it('does not carry history across an opaque directory later in the same layer', async () => {
    const path = 'var/lib/dpkg/status';
    const inventory = await catalogImage(
      memoryImage([
        [{ path, content: status(['a', '1']) }],
        [{ path, content: status(['a', '1']) }, { path: 'var/lib/dpkg/.wh..wh..opq' }],
      ]),
    );
    expect(layersByName(inventory)).toEqual({ 'deb:a@1': 1 });
  });

  it('attributes the same way when every layer is replayed from the layer cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-origin-'));
    try {
      const layerCache = LayerCache.open(dir);
      const image = () => memoryImage(threeLayers('var/lib/dpkg/status', status));
      const fresh = await catalogImage(image(), { layerCache, now: new Date(0) });
      const cached: boolean[] = [];
      const replayed = await catalogImage(image(), {
        layerCache,
        now: new Date(0),
        onLayer: (_i, _n, hit) => cached.push(hit),
      });
      expect(cached).toEqual([true, true, true]);
      expect(replayed.packages).toEqual(fresh.packages);
      expect(layersByName(replayed)).toEqual({ 'deb:a@1': 0, 'deb:b@2': 2, 'deb:c@1': 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
