import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildZip, type ZipEntrySpec } from '../../../../test/fixtures/zip-builder.js';
import type { Limits } from '../../../util/limits.js';
import { createScanContext } from '../../context.js';
import { javaArchiveAnalyzer } from './java.js';

const pom = (g: string, a: string, v: string) => `groupId=${g}\nartifactId=${a}\nversion=${v}\n`;
const jarOf = (g: string, a: string, v: string, extra: ZipEntrySpec[] = []) =>
  buildZip([
    { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\r\n\r\n' },
    { name: `META-INF/maven/${g}/${a}/pom.properties`, data: pom(g, a, v), method: 'deflate' },
    { name: 'com/example/Main.class', data: Buffer.alloc(64, 0xca) },
    ...extra,
  ]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-java-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function analyze(path: string, bytes: Buffer, limits: Partial<Limits> = {}) {
  const spoolPath = join(dir, 'spool');
  await writeFile(spoolPath, bytes);
  const ctx = createScanContext({ limits });
  try {
    const result = await javaArchiveAnalyzer.analyze(
      { path, size: bytes.length, mode: 0o644, spoolPath },
      ctx,
    );
    const leftovers = ctx.warnings.length === 0 ? await readdir(await ctx.tempDir()) : [];
    return { ...result, leftovers };
  } finally {
    await ctx.dispose();
  }
}

const coordinates = (result: {
  packages?: { namespace?: string; name: string; version: string; metadata?: object }[];
}) => (result.packages ?? []).map((p) => `${p.namespace ?? ''}:${p.name}@${p.version}`).sort();

describe('javaArchiveAnalyzer', () => {
  it('wants Java archives by extension only', () => {
    for (const path of ['a.jar', 'b.WAR', 'c.ear', 'd.par', 'e.sar', 'f.jpi', 'g.hpi', 'h.kar']) {
      expect(javaArchiveAnalyzer.wants({ path: `opt/${path}`, size: 100, mode: 0o644 })).toBe(true);
    }
    expect(javaArchiveAnalyzer.wants({ path: 'opt/a.zip', size: 100, mode: 0o644 })).toBe(false);
  });

  it('reports the package a JAR’s pom.properties declares', async () => {
    const result = await analyze('opt/app/lib.jar', jarOf('com.example', 'lib', '1.4.2'));
    expect(result.packages).toEqual([
      {
        type: 'maven',
        namespace: 'com.example',
        name: 'lib',
        version: '1.4.2',
        licenses: [],
        metadata: { source: 'pom.properties', archive: 'opt/app/lib.jar' },
      },
    ]);
    expect(result.warnings).toBeUndefined();
  });

  it('reads JARs nested in a WAR and labels each with its path inside', async () => {
    const war = buildZip([
      { name: 'WEB-INF/', data: '' },
      { name: 'WEB-INF/web.xml', data: '<web-app/>' },
      {
        name: 'WEB-INF/lib/guava-32.1.2-jre.jar',
        data: jarOf('com.google.guava', 'guava', '32.1.2-jre'),
      },
      {
        name: 'WEB-INF/lib/plain-0.9.jar',
        data: buildZip([{ name: 'x.class', data: 'x' }]),
        method: 'deflate',
      },
    ]);
    const result = await analyze('srv/app.war', war);
    expect(coordinates(result)).toEqual([':plain@0.9', 'com.google.guava:guava@32.1.2-jre']);
    expect(result.packages?.find((p) => p.name === 'guava')?.metadata).toMatchObject({
      archive: 'srv/app.war!WEB-INF/lib/guava-32.1.2-jre.jar',
    });
  });

  it('stops descending at the configured nesting depth and says so', async () => {
    const inner = jarOf('g', 'inner', '3');
    const middle = jarOf('g', 'middle', '2', [{ name: 'lib/inner.jar', data: inner }]);
    const outer = jarOf('g', 'outer', '1', [{ name: 'lib/middle.jar', data: middle }]);
    const result = await analyze('outer.ear', outer, { maxArchiveDepth: 1 });
    expect(coordinates(result)).toEqual(['g:middle@2', 'g:outer@1']);
    expect(result.warnings).toEqual([
      'outer.ear!lib/middle.jar!lib/inner.jar: skipped: nested deeper than 1 archives',
    ]);
  });

  it('skips a highly compressed entry as a possible zip bomb', async () => {
    const bomb = Buffer.alloc(16 * 1024 * 1024);
    const jar = jarOf('g', 'a', '1', [{ name: 'lib/bomb.jar', data: bomb, method: 'deflate' }]);
    const result = await analyze('a.jar', jar);
    expect(coordinates(result)).toEqual(['g:a@1']);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^a\.jar!lib\/bomb\.jar: skipped: compression ratio over 100:1 .* possible zip bomb$/,
      ),
    ]);
  });

  it('spools a nested archive larger than 8 MiB to the temp directory and removes it afterwards', async () => {
    const big = jarOf('g', 'big', '5', [{ name: 'blob.bin', data: randomBytes(9 * 1024 * 1024) }]);
    const result = await analyze('app.war', buildZip([{ name: 'WEB-INF/lib/big.jar', data: big }]));
    expect(coordinates(result)).toEqual(['g:big@5']);
    expect(result.leftovers).toEqual([]);
  });

  it('warns about an entry whose content is larger than it declares', async () => {
    const jar = buildZip([
      {
        name: 'META-INF/maven/g/a/pom.properties',
        data: pom('g', 'a', '1'),
        method: 'deflate',
        declaredSize: 10,
      },
    ]);
    const result = await analyze('a.jar', jar);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^a\.jar!META-INF\/maven\/g\/a\/pom\.properties: /),
    ]);
  });

  it('turns a corrupted central directory into a warning naming the file', async () => {
    const jar = jarOf('g', 'a', '1');
    jar.writeUInt32LE(0xdeadbeef, jar.length - 6); // central directory offset in the end record
    const result = await analyze('broken.jar', jar);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^broken\.jar: /)]);
  });

  it('keeps the outer package when a nested archive is corrupt', async () => {
    const jar = jarOf('g', 'a', '1', [
      { name: 'lib/bad.jar', data: Buffer.from('PK\x03\x04 not really a zip') },
    ]);
    const result = await analyze('a.jar', jar);
    expect(coordinates(result)).toEqual(['g:a@1']);
    expect(result.warnings).toEqual([expect.stringMatching(/^a\.jar!lib\/bad\.jar: /)]);
  });

  it('stops at the entry limit across the archive tree', async () => {
    const nested = jarOf('g', 'nested', '2');
    const result = await analyze(
      'a.jar',
      jarOf('g', 'a', '1', [{ name: 'lib/n.jar', data: nested }]),
      { maxZipEntries: 5 },
    );
    expect(result.warnings).toEqual([expect.stringMatching(/entries exceed the limit of 5/)]);
    expect(coordinates(result)).toEqual([]);
  });

  it('stops at the uncompressed byte limit across the archive tree, keeping what was found', async () => {
    const first = jarOf('g', 'first', '1');
    const second = jarOf('g', 'second', '1', [{ name: 'pad.bin', data: randomBytes(4096) }]);
    const war = buildZip([
      { name: 'WEB-INF/lib/first.jar', data: first },
      { name: 'WEB-INF/lib/second.jar', data: second },
    ]);
    const result = await analyze('a.war', war, { maxZipBytes: first.length + 1024 });
    expect(coordinates(result)).toEqual(['g:first@1']);
    expect(result.warnings).toEqual([expect.stringMatching(/exceeds \d+ uncompressed bytes/)]);
  });
});

describe('javaArchiveAnalyzer on corrupted bytes', () => {
  it('never throws, whatever bytes of a WAR are overwritten', async () => {
    const war = buildZip([
      { name: 'WEB-INF/lib/a-1.jar', data: jarOf('g', 'a', '1'), method: 'deflate' },
      { name: 'WEB-INF/lib/b-2.jar', data: jarOf('g', 'b', '2') },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(war.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        async (edits) => {
          const bytes = Buffer.from(war);
          for (const [at, value] of edits) bytes[at] = value;
          const result = await analyze('x.war', bytes);
          for (const warning of result.warnings ?? []) expect(warning).toMatch(/^x\.war/);
        },
      ),
      { numRuns: 150 },
    );
  });
});
