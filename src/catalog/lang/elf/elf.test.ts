import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { buildElf } from '../../../../test/fixtures/elf-builder.js';
import { isMoatError } from '../../../errors.js';
import { bufferByteSource, openFileByteSource } from '../byte-source.js';
import { PF_W, PT_LOAD, SHT_NOBITS, readElf } from './elf.js';

const payload = Buffer.from('hello, section');

describe('readElf', () => {
  it('reads sections by name from a little-endian ELF64 file', async () => {
    const elf = await readElf(
      bufferByteSource(buildElf({ sections: [{ name: '.note.x', data: payload }] })),
    );
    expect(elf.bits).toBe(64);
    expect(elf.littleEndian).toBe(true);
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.note.x', '.shstrtab']);
    expect(await elf.readSection('.note.x', 1024)).toEqual(payload);
  });

  it('reads sections from a big-endian ELF32 file', async () => {
    const bytes = buildElf({
      bits: 32,
      littleEndian: false,
      sections: [{ name: '.data', data: payload }],
    });
    const elf = await readElf(bufferByteSource(bytes));
    expect(elf.bits).toBe(32);
    expect(elf.littleEndian).toBe(false);
    expect(await elf.readSection('.data', 1024)).toEqual(payload);
  });

  it('returns undefined for a section that is not there', async () => {
    const elf = await readElf(bufferByteSource(buildElf()));
    expect(await elf.readSection('.go.buildinfo', 1024)).toBeUndefined();
  });

  it('reads a NOBITS section as empty without touching the file', async () => {
    const bytes = buildElf({
      sections: [{ name: '.bss', data: Buffer.alloc(0), type: SHT_NOBITS, fakeSize: 1n << 40n }],
    });
    const elf = await readElf(bufferByteSource(bytes));
    expect(await elf.readSection('.bss', 16)).toEqual(Buffer.alloc(0));
  });

  it('maps virtual addresses through PT_LOAD segments', async () => {
    const bytes = buildElf({
      sections: [{ name: '.data', data: payload, addr: 0x400000n, load: PF_W }],
    });
    const elf = await readElf(bufferByteSource(bytes));
    expect(elf.segments).toHaveLength(1);
    expect(elf.segments[0]?.type).toBe(PT_LOAD);
    expect((await elf.readVirtual(0x400007n, 7)).toString()).toBe('section');
  });

  it('refuses a virtual read that runs past the end of its segment', async () => {
    const bytes = buildElf({
      sections: [{ name: '.data', data: payload, addr: 0x400000n, load: PF_W }],
    });
    const elf = await readElf(bufferByteSource(bytes));
    await expect(elf.readVirtual(0x400007n, 100)).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
    });
  });

  it('refuses to read a section larger than the caller’s cap', async () => {
    const elf = await readElf(
      bufferByteSource(buildElf({ sections: [{ name: '.big', data: Buffer.alloc(4096) }] })),
    );
    await expect(elf.readSection('.big', 1024)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('rejects a truncated file', async () => {
    const bytes = buildElf({ sections: [{ name: '.data', data: payload }] });
    await expect(readElf(bufferByteSource(bytes.subarray(0, 40)))).rejects.toMatchObject({
      code: 'ARCHIVE_TRUNCATED',
    });
    await expect(readElf(bufferByteSource(bytes.subarray(0, bytes.length - 10)))).rejects.toSatisfy(
      isMoatError,
    );
  });

  it('rejects a section header whose data lies past the end of the file', async () => {
    const bytes = buildElf({ sections: [{ name: '.data', data: payload, fakeOffset: 1n << 20n }] });
    await expect(readElf(bufferByteSource(bytes))).rejects.toThrow(/past the end/);
  });

  it('rejects a section header table that lies past the end of the file', async () => {
    const bytes = buildElf({ fakeShoff: 1n << 62n });
    await expect(readElf(bufferByteSource(bytes))).rejects.toMatchObject({
      code: 'ARCHIVE_CORRUPT',
    });
  });

  it('rejects files that are not ELF', async () => {
    await expect(readElf(bufferByteSource(Buffer.alloc(128)))).rejects.toThrow(/bad magic/);
  });

  it('reads the running Node binary, a real ELF executable', async () => {
    const source = await openFileByteSource(process.execPath);
    try {
      const elf = await readElf(source);
      expect(elf.section('.text')?.size).toBeGreaterThan(1024);
      expect(elf.segments.some((p) => p.type === PT_LOAD)).toBe(true);
    } finally {
      await source.close();
    }
  });

  it('fails only with Moat errors whatever bytes of the headers are corrupted', async () => {
    const valid = buildElf({
      sections: [{ name: '.data', data: payload, addr: 0x1000n, load: PF_W }],
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (edits) => {
          const bytes = Buffer.from(valid);
          for (const [at, value] of edits) bytes[at] = value;
          try {
            const elf = await readElf(bufferByteSource(bytes));
            await elf.readSection('.data', 1 << 20);
          } catch (error) {
            expect(isMoatError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
