/**
 * The cataloger limits of src/util/limits.ts tested at the limit with the real analyzers: a file
 * of exactly N bytes (a zip tree of exactly N entries, N nested archives) is analysed, one past
 * it is skipped with a warning naming the file and the rest of the report is produced.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createScanContext } from '../../src/catalog/context.js';
import { catalogImage } from '../../src/catalog/inventory.js';
import { javaArchiveAnalyzer } from '../../src/catalog/lang/java/java.js';
import type { Limits } from '../../src/util/limits.js';
import { memoryImage } from '../fixtures/memory-image.js';
import { buildZip, type ZipEntrySpec } from '../fixtures/zip-builder.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-limits-catalog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A JAR of 3 + extra.length entries declaring g:artifact@version in its pom.properties. */
const jarOf = (artifact: string, version: string, extra: ZipEntrySpec[] = []) =>
  buildZip([
    { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\r\n\r\n' },
    {
      name: `META-INF/maven/g/${artifact}/pom.properties`,
      data: `groupId=g\nartifactId=${artifact}\nversion=${version}\n`,
      method: 'deflate',
    },
    { name: 'com/example/Main.class', data: Buffer.alloc(64, 0xca) },
    ...extra,
  ]);

const packageJson = JSON.stringify({ name: 'left-pad', version: '1.3.0' });
const packageJsonBytes = Buffer.byteLength(packageJson);

/** Catalogs an image holding an installed npm package and the JAR `jar` at /opt/app/lib.jar. */
function catalog(jar: Buffer, limits: Partial<Limits>) {
  return catalogImage(
    memoryImage([
      [
        { path: 'usr/lib/node_modules/left-pad/package.json', content: packageJson },
        { path: 'opt/app/lib.jar', content: jar },
      ],
    ]),
    { limits, now: new Date(0) },
  );
}

const names = (inventory: { packages: Array<{ name: string }> }) =>
  inventory.packages.map((p) => p.name).sort();

describe('maxBufferedFileBytes', () => {
  it('analyses a file of exactly maxBufferedFileBytes bytes in memory', async () => {
    const inventory = await catalog(jarOf('lib', '1'), { maxBufferedFileBytes: packageJsonBytes });
    expect(names(inventory)).toEqual(['left-pad', 'lib']);
    expect(inventory.warnings).toEqual([]);
  });

  it('skips a file of maxBufferedFileBytes + 1 bytes with a warning naming it, reporting the rest', async () => {
    const inventory = await catalog(jarOf('lib', '1'), {
      maxBufferedFileBytes: packageJsonBytes - 1,
    });
    expect(names(inventory)).toEqual(['lib']);
    expect(inventory.warnings).toEqual([
      `skipped /usr/lib/node_modules/left-pad/package.json: ${packageJsonBytes} bytes is over the in-memory limit`,
    ]);
  });
});

describe('maxSpooledFileBytes', () => {
  const jar = jarOf('lib', '1');

  it('spools and analyses a file of exactly maxSpooledFileBytes bytes', async () => {
    const inventory = await catalog(jar, { maxSpooledFileBytes: jar.length });
    expect(names(inventory)).toEqual(['left-pad', 'lib']);
    expect(inventory.warnings).toEqual([]);
  });

  it('skips a file of maxSpooledFileBytes + 1 bytes with a warning naming it, reporting the rest', async () => {
    const inventory = await catalog(jar, { maxSpooledFileBytes: jar.length - 1 });
    expect(names(inventory)).toEqual(['left-pad']);
    expect(inventory.warnings).toEqual([
      `skipped /opt/app/lib.jar: ${jar.length} bytes is over the spool limit`,
    ]);
  });
});

/** Runs the Java archive analyzer on `bytes` as the spooled file `path`. */
async function analyzeJar(path: string, bytes: Buffer, limits: Partial<Limits>) {
  const spoolPath = join(dir, 'spool');
  await writeFile(spoolPath, bytes);
  const ctx = createScanContext({ limits });
  try {
    const result = await javaArchiveAnalyzer.analyze(
      { path, size: bytes.length, mode: 0o644, spoolPath },
      ctx,
    );
    return {
      names: (result.packages ?? []).map((p) => p.name).sort(),
      warnings: result.warnings ?? [],
    };
  } finally {
    await ctx.dispose();
  }
}

describe('maxZipEntries', () => {
  it('reads a JAR of exactly maxZipEntries entries', async () => {
    expect(await analyzeJar('a.jar', jarOf('a', '1'), { maxZipEntries: 3 })).toEqual({
      names: ['a'],
      warnings: [],
    });
  });

  it('skips a JAR of maxZipEntries + 1 entries with a warning naming it', async () => {
    const jar = jarOf('a', '1', [{ name: 'extra.txt', data: 'x' }]);
    expect(await analyzeJar('a.jar', jar, { maxZipEntries: 3 })).toEqual({
      names: [],
      warnings: [expect.stringMatching(/^(\/[^:]*\/)?a\.jar: 4 entries exceed the limit of 3$/)],
    });
  });

  // The outer JAR has 4 entries, the nested one 3: the tree has 7.
  const tree = () => jarOf('a', '1', [{ name: 'lib/n.jar', data: jarOf('nested', '2') }]);

  it('reads an archive tree of exactly maxZipEntries entries in all', async () => {
    expect(await analyzeJar('a.jar', tree(), { maxZipEntries: 7 })).toEqual({
      names: ['a', 'nested'],
      warnings: [],
    });
  });

  it('skips an archive tree of maxZipEntries + 1 entries in all with a warning naming the nested archive', async () => {
    expect(await analyzeJar('a.jar', tree(), { maxZipEntries: 6 })).toEqual({
      names: [],
      warnings: [
        expect.stringMatching(/^(\/[^:]*\/)?a\.jar!lib\/n\.jar: 3 entries exceed the limit of 6$/),
      ],
    });
  });
});

describe('maxArchiveDepth', () => {
  // outer.ear (depth 0) holds middle.jar (depth 1), which holds inner.jar (depth 2).
  const inner = jarOf('inner', '3');
  const middle = jarOf('middle', '2', [{ name: 'lib/inner.jar', data: inner }]);
  const outer = jarOf('outer', '1', [{ name: 'lib/middle.jar', data: middle }]);

  it('reads archives nested exactly maxArchiveDepth levels deep', async () => {
    expect(await analyzeJar('outer.ear', outer, { maxArchiveDepth: 2 })).toEqual({
      names: ['inner', 'middle', 'outer'],
      warnings: [],
    });
  });

  it('skips an archive nested maxArchiveDepth + 1 levels deep with a warning naming it', async () => {
    expect(await analyzeJar('outer.ear', outer, { maxArchiveDepth: 1 })).toEqual({
      names: ['middle', 'outer'],
      warnings: ['outer.ear!lib/middle.jar!lib/inner.jar: skipped: nested deeper than 1 archives'],
    });
  });
});
