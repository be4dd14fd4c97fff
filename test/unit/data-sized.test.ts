/**
 * Data-sized inputs (issue 9 A6): 200 000 lockfile entries, layer entries and report rows go
 * through the whole pipeline with every item reported; nothing spreads them into call arguments.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { catalogImage } from '../../src/catalog/inventory.js';
import type { Inventory } from '../../src/catalog/types.js';
import { renderInventory } from '../../src/report/render.js';
import { defaultLangLimits } from '../../src/catalog/lang/text-input.js';
import { defaultLimits } from '../../src/util/limits.js';
import { memoryImage } from '../fixtures/memory-image.js';

const count = 200_000;
const names = Array.from({ length: count }, (_, i) => `pkg-${String(i).padStart(6, '0')}`);

/**
 * A package-lock.json (v3) with one entry per name, laid out as npm writes it, `resolved` and
 * `integrity` included: 200 000 entries take ~58 MB, over the 32 MiB in-memory limit for other
 * files and within the lockfile limit.
 */
function packageLock(): string {
  const packages: Record<string, object> = { '': { name: 'app', version: '1.0.0' } };
  const integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
  for (const name of names) {
    packages[`node_modules/${name}`] = {
      version: '1.0.0',
      resolved: `https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz`,
      integrity,
      license: 'MIT',
    };
  }
  return JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, packages }, null, 2);
}

/** A yarn.lock (v1) with one entry per name. */
function yarnLock(): string {
  const lines = ['# yarn lockfile v1', ''];
  for (const name of names) {
    lines.push(
      `${name}@^1.0.0:`,
      '  version "1.0.0"',
      `  resolved "https://registry.yarnpkg.com/${name}/-/${name}-1.0.0.tgz#0123456789abcdef"`,
      '',
    );
  }
  return lines.join('\n');
}

// Each item passes through the walker, the capture, an analyzer and purl building: linear, but
// 200 000 of them take a while on a busy machine.
const slow = 180_000;

describe('200 000 items', () => {
  const lock = packageLock();
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await catalogImage(
      memoryImage([[{ path: 'app/package-lock.json', content: lock }]]),
    );
  }, slow);

  it('a package-lock.json of 200 000 entries as npm writes them reports every entry', () => {
    expect(Buffer.byteLength(lock)).toBeGreaterThan(defaultLimits.maxBufferedFileBytes);
    expect(Buffer.byteLength(lock)).toBeLessThanOrEqual(defaultLangLimits.maxLockfileBytes);
    expect(inventory.warnings).toEqual([]);
    expect(inventory.packages).toHaveLength(count);
    expect(inventory.packages.at(-1)?.purl).toBe('pkg:npm/pkg-199999@1.0.0');
  });

  it(
    'a yarn.lock and a requirements.txt of 200 000 entries report every entry',
    async () => {
      const requirements = names.map((name) => `${name}==1.0.0`).join('\n');
      const inventory = await catalogImage(
        memoryImage([
          [
            { path: 'app/yarn.lock', content: yarnLock() },
            { path: 'srv/requirements.txt', content: requirements },
          ],
        ]),
      );
      expect(inventory.warnings).toEqual([]);
      expect(inventory.packages.filter((p) => p.type === 'npm')).toHaveLength(count);
      expect(inventory.packages.filter((p) => p.type === 'pypi')).toHaveLength(count);
    },
    slow,
  );

  it(
    'a layer of 200 000 entries is walked to its end, every package in it reported',
    async () => {
      const entries = names.map((name) => ({ path: `data/${name}.bin`, content: 'x' }));
      for (const name of names.slice(0, 100)) {
        entries.push({
          path: `app/node_modules/${name}/package.json`,
          content: `{"name":"${name}","version":"2.0.0"}`,
        });
      }
      const inventory = await catalogImage(memoryImage([entries]));
      expect(inventory.warnings).toEqual([]);
      expect(inventory.packages).toHaveLength(100);
    },
    slow,
  );

  it(
    '200 000 packages render as a table and as JSON',
    async () => {
      const table = await renderInventory(inventory, 'table');
      expect(table.split('\n')).toHaveLength(count + 7);
      const json = JSON.parse(await renderInventory(inventory, 'json')) as { packages: unknown[] };
      expect(json.packages).toHaveLength(count);
    },
    slow,
  );
});
