import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildElf } from '../../../../test/fixtures/elf-builder.js';
import { isMoatError } from '../../../errors.js';
import { createScanContext } from '../../context.js';
import { bufferByteSource } from '../byte-source.js';
import { PF_W, readElf } from '../elf/elf.js';
import { elfBinaryAnalyzer } from '../elf/elf-binary.js';
import { GO_BUILDINFO_MAGIC, readGoBuildInfo } from './go-buildinfo.js';

// The sentinels cmd/go wraps module information in (cmd/go/internal/modload.infoStart/infoEnd).
const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const MODINFO =
  'path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.7\t\nbuild\tGOOS=linux\n';

function framed(text: string): Buffer {
  return Buffer.concat([INFO_START, Buffer.from(text), INFO_END]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.from(out);
}

/** The Go ≥ 1.18 layout: 32-byte header with flag 2, then two varint-prefixed strings. */
function inlineBlob(version: string, mod: Buffer, lengths?: [number, number]): Buffer {
  const header = Buffer.alloc(32);
  GO_BUILDINFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = 2;
  const v = Buffer.from(version);
  return Buffer.concat([
    header,
    varint(lengths?.[0] ?? v.length),
    v,
    varint(lengths?.[1] ?? mod.length),
    mod,
  ]);
}

/** The pre-1.18 layout: header with two pointers to Go string headers elsewhere in the segment. */
function pointerBlob(
  base: bigint,
  ptrSize: 4 | 8,
  bigEndian: boolean,
  version: string,
  mod: Buffer,
): Buffer {
  const ptr = (v: bigint | number) => {
    const b = Buffer.alloc(ptrSize);
    const n = BigInt(v);
    if (ptrSize === 8 && bigEndian) b.writeBigUInt64BE(n);
    else if (ptrSize === 8) b.writeBigUInt64LE(n);
    else if (bigEndian) b.writeUInt32BE(Number(n));
    else b.writeUInt32LE(Number(n));
    return b;
  };
  const v = Buffer.from(version);
  const headers = 32 + 2 * 2 * ptrSize;
  const vAddr = base + BigInt(headers);
  const mAddr = vAddr + BigInt(v.length);
  const header = Buffer.alloc(16);
  GO_BUILDINFO_MAGIC.copy(header);
  header[14] = ptrSize;
  header[15] = bigEndian ? 1 : 0;
  const top = Buffer.concat([header, ptr(base + 32n), ptr(base + 32n + BigInt(2 * ptrSize))]);
  return Buffer.concat([
    top,
    Buffer.alloc(32 - top.length),
    ptr(vAddr),
    ptr(v.length),
    ptr(mAddr),
    ptr(mod.length),
    v,
    mod,
  ]);
}

async function buildInfoOf(elf: Buffer) {
  return readGoBuildInfo(await readElf(bufferByteSource(elf)));
}

describe('readGoBuildInfo', () => {
  it('reads the inline layout of Go 1.18 and later from .go.buildinfo', async () => {
    const elf = buildElf({
      sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.19.8', framed(MODINFO)) }],
    });
    expect(await buildInfoOf(elf)).toEqual({ goVersion: 'go1.19.8', modinfo: MODINFO });
  });

  it('resolves the pointer layout of older toolchains through the load segments (ELF64 LE)', async () => {
    const base = 0x4c0000n;
    const blob = pointerBlob(base, 8, false, 'go1.16.15', framed(MODINFO));
    const elf = buildElf({
      sections: [{ name: '.go.buildinfo', data: blob, addr: base, load: PF_W }],
    });
    expect(await buildInfoOf(elf)).toEqual({ goVersion: 'go1.16.15', modinfo: MODINFO });
  });

  it('resolves the pointer layout in a big-endian 32-bit binary found by its data segment', async () => {
    const base = 0x10000n;
    const blob = pointerBlob(base, 4, true, 'go1.12.17', framed(MODINFO));
    const elf = buildElf({
      bits: 32,
      littleEndian: false,
      sections: [{ name: '.data', data: blob, addr: base, load: PF_W }],
    });
    expect(await buildInfoOf(elf)).toEqual({ goVersion: 'go1.12.17', modinfo: MODINFO });
  });

  it('finds nothing in an executable that is not a Go program', async () => {
    const elf = buildElf({
      sections: [{ name: '.data', data: Buffer.alloc(4096, 0x41), addr: 0x1000n, load: PF_W }],
    });
    expect(await buildInfoOf(elf)).toBeUndefined();
  });

  it('ignores a magic string that is not 16-byte aligned', async () => {
    const blob = Buffer.concat([
      Buffer.alloc(3),
      inlineBlob('go1.19.8', framed(MODINFO)),
      Buffer.alloc(64),
    ]);
    expect(
      await buildInfoOf(buildElf({ sections: [{ name: '.go.buildinfo', data: blob }] })),
    ).toBeUndefined();
  });

  it('gives empty module information when the sentinels are missing (GOPATH builds)', async () => {
    const elf = buildElf({
      sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.19.8', Buffer.from('')) }],
    });
    expect(await buildInfoOf(elf)).toEqual({ goVersion: 'go1.19.8', modinfo: '' });
  });

  it('rejects an inline string whose length is absurd', async () => {
    const blob = inlineBlob('go1.19.8', framed(MODINFO), [8, 2 ** 40]);
    await expect(
      buildInfoOf(buildElf({ sections: [{ name: '.go.buildinfo', data: blob }] })),
    ).rejects.toThrow(/claims 1099511627776 bytes/);
  });

  it('rejects an inline string that runs past its section', async () => {
    const blob = inlineBlob('go1.19.8', framed(MODINFO), [8, 100_000]);
    await expect(
      buildInfoOf(buildElf({ sections: [{ name: '.go.buildinfo', data: blob }] })),
    ).rejects.toThrow(/runs past its section/);
  });

  it('rejects a pointer-layout string header with an absurd length', async () => {
    const base = 0x4c0000n;
    const blob = pointerBlob(base, 8, false, 'go1.16.15', framed(MODINFO));
    blob.writeBigUInt64LE(1n << 50n, 32 + 16 + 8);
    const elf = buildElf({
      sections: [{ name: '.go.buildinfo', data: blob, addr: base, load: PF_W }],
    });
    await expect(buildInfoOf(elf)).rejects.toMatchObject({ code: 'PACKAGE_DB_INVALID' });
  });
});

describe('readGoBuildInfo on corrupted bytes', () => {
  it('fails only with Moat errors whatever bytes of either layout are overwritten', async () => {
    const base = 0x4c0000n;
    const layouts = [
      inlineBlob('go1.19.8', framed(MODINFO)),
      pointerBlob(base, 8, false, 'go1.16.15', framed(MODINFO)),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...layouts),
        fc.array(fc.tuple(fc.nat(63), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        async (layout, edits) => {
          const blob = Buffer.from(layout);
          for (const [at, value] of edits) blob[at % blob.length] = value;
          const elf = buildElf({
            sections: [{ name: '.go.buildinfo', data: blob, addr: base, load: PF_W }],
          });
          try {
            await buildInfoOf(elf);
          } catch (error) {
            expect(isMoatError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('elfBinaryAnalyzer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-go-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function analyze(bytes: Buffer) {
    const spoolPath = join(dir, 'bin');
    await writeFile(spoolPath, bytes);
    const ctx = createScanContext();
    return elfBinaryAnalyzer.analyze(
      { path: 'usr/bin/app', size: bytes.length, mode: 0o755, spoolPath },
      ctx,
    );
  }

  it('wants executables of at least 1 KiB only', () => {
    expect(elfBinaryAnalyzer.wants({ path: 'usr/bin/app', size: 4096, mode: 0o100755 })).toBe(true);
    expect(elfBinaryAnalyzer.wants({ path: 'usr/lib/x.so', size: 4096, mode: 0o100644 })).toBe(
      false,
    );
    expect(elfBinaryAnalyzer.wants({ path: 'usr/bin/tiny', size: 100, mode: 0o100755 })).toBe(
      false,
    );
  });

  it('reports stdlib, the main module and dependencies of a Go binary', async () => {
    const result = await analyze(
      buildElf({
        sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.19.8', framed(MODINFO)) }],
      }),
    );
    expect(result.packages?.map((p) => `${p.name}@${p.version}`)).toEqual([
      'stdlib@1.19.8',
      'example.com/app@(devel)',
      'golang.org/x/text@v0.3.7',
    ]);
  });

  it('turns a truncated binary into a warning naming the file', async () => {
    const elf = buildElf({
      sections: [{ name: '.go.buildinfo', data: inlineBlob('go1.19.8', framed(MODINFO)) }],
    });
    const result = await analyze(elf.subarray(0, 200));
    expect(result.packages).toBeUndefined();
    expect(result.warnings).toEqual([expect.stringMatching(/^usr\/bin\/app: ELF: /)]);
  });

  it('turns absurd build info into a warning naming the file', async () => {
    const blob = inlineBlob('go1.19.8', framed(MODINFO), [2 ** 30, 8]);
    const result = await analyze(buildElf({ sections: [{ name: '.go.buildinfo', data: blob }] }));
    expect(result.warnings).toEqual([
      expect.stringMatching(/^usr\/bin\/app: go: Go build info: runtime version claims/),
    ]);
  });
});
