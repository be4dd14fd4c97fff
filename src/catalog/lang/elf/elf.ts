/**
 * A minimal, bounded ELF reader: the file header, program headers, section headers and section
 * names of ELF32/ELF64 files in either byte order — just enough to pull metadata sections
 * (`.go.buildinfo`, `.dep-v0`) out of executables. Every offset and size is checked against the
 * file size before it is used; nothing is read that the caller did not cap.
 */
import { InvalidInputError, LimitExceededError } from '../../../errors.js';
import type { ByteSource } from '../byte-source.js';

/** The four bytes every ELF file starts with. */
export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** `p_type` of a loadable segment. */
export const PT_LOAD = 1;
/** `p_flags` bits. */
export const PF_X = 1;
export const PF_W = 2;
/** `sh_type` of a section that occupies no file space (`.bss`). */
export const SHT_NOBITS = 8;
/** `sh_flags` bit of a section that is mapped into memory. */
export const SHF_ALLOC = 2;

/** Most section headers read from one file. */
const MAX_SECTIONS = 65_536;
/** Most program headers read from one file. */
const MAX_SEGMENTS = 65_536;
/** Largest section-name string table read. */
const MAX_SHSTRTAB_BYTES = 4 * 1024 * 1024;

/** One section header. */
export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
}

/** One program header. */
export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: bigint;
}

/** A parsed ELF file whose contents are still read lazily through its {@link ByteSource}. */
export interface ElfFile {
  bits: 32 | 64;
  littleEndian: boolean;
  machine: number;
  sections: ElfSection[];
  segments: ElfSegment[];
  /** The first section with this name, if any. */
  section(name: string): ElfSection | undefined;
  /** A section's bytes (empty for NOBITS), or undefined if absent; throws LIMIT_EXCEEDED over `maxBytes`. */
  readSection(name: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Exactly `length` bytes at virtual address `addr`, mapped through PT_LOAD segments (or sections). */
  readVirtual(addr: bigint, length: number): Promise<Buffer>;
  /** The underlying bytes. */
  source: ByteSource;
}

function corrupt(message: string): InvalidInputError {
  return new InvalidInputError('ARCHIVE_CORRUPT', `ELF: ${message}`);
}

/** Converts a 64-bit file offset or size to a number, rejecting values beyond `limit`. */
function toOffset(value: bigint, limit: number, what: string): number {
  if (value > BigInt(limit))
    throw corrupt(`${what} ${value} is past the end of the file (${limit})`);
  return Number(value);
}

/** Reads integers of the file's width and byte order. */
class FieldReader {
  constructor(
    private readonly buf: Buffer,
    private readonly le: boolean,
  ) {}
  u16(at: number): number {
    return this.le ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at);
  }
  u32(at: number): number {
    return this.le ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }
  u64(at: number): bigint {
    return this.le ? this.buf.readBigUInt64LE(at) : this.buf.readBigUInt64BE(at);
  }
  /** A word: 32 or 64 bits depending on the ELF class. */
  word(at: number, bits: 32 | 64): bigint {
    return bits === 64 ? this.u64(at) : BigInt(this.u32(at));
  }
}

/** Parses the headers of an ELF file; throws ARCHIVE_CORRUPT / ARCHIVE_TRUNCATED on bad structure. */
export async function readElf(source: ByteSource): Promise<ElfFile> {
  if (source.size < 52) throw new InvalidInputError('ARCHIVE_TRUNCATED', 'ELF: file too short');
  const ident = await source.read(0, 16);
  if (!ident.subarray(0, 4).equals(ELF_MAGIC)) throw corrupt('bad magic');
  const bits = ident[4] === 1 ? 32 : ident[4] === 2 ? 64 : undefined;
  if (bits === undefined) throw corrupt(`unknown class ${ident[4]}`);
  if (ident[5] !== 1 && ident[5] !== 2) throw corrupt(`unknown data encoding ${ident[5]}`);
  const le = ident[5] === 1;
  const ehsize = bits === 64 ? 64 : 52;
  if (source.size < ehsize) throw new InvalidInputError('ARCHIVE_TRUNCATED', 'ELF: file too short');
  const header = new FieldReader(await source.read(0, ehsize), le);
  const at = bits === 64 ? { phoff: 32, shoff: 40, rest: 52 } : { phoff: 28, shoff: 32, rest: 40 };
  const machine = header.u16(18);
  const phoff = toOffset(header.word(at.phoff, bits), source.size, 'program header offset');
  const shoff = toOffset(header.word(at.shoff, bits), source.size, 'section header offset');
  const phentsize = header.u16(at.rest + 2);
  let phnum = header.u16(at.rest + 4);
  const shentsize = header.u16(at.rest + 6);
  let shnum = header.u16(at.rest + 8);
  let shstrndx = header.u16(at.rest + 10);

  const shMin = bits === 64 ? 64 : 40;
  const phMin = bits === 64 ? 56 : 32;
  let first: RawSection | undefined;
  if (shoff !== 0) {
    if (shentsize < shMin) throw corrupt(`section header size ${shentsize} too small`);
    first = await readRawSection(source, le, bits, shoff);
    // Extended numbering (gABI): counts that do not fit 16 bits live in section 0.
    if (shnum === 0) {
      if (first.size > BigInt(MAX_SECTIONS))
        throw new LimitExceededError(`ELF: ${first.size} sections`);
      shnum = Number(first.size);
    }
    if (shstrndx === 0xffff) shstrndx = first.link;
    if (phnum === 0xffff) phnum = first.info;
  } else {
    shnum = 0;
  }
  if (phnum > MAX_SEGMENTS) throw new LimitExceededError(`ELF: ${phnum} program headers`);
  if (phnum > 0 && phentsize < phMin) throw corrupt(`program header size ${phentsize} too small`);
  checkTable(source.size, phoff, phentsize, phnum, 'program header table');
  checkTable(source.size, shoff, shentsize, shnum, 'section header table');

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    const table = new FieldReader(await source.read(phoff, phentsize * phnum), le);
    for (let i = 0; i < phnum; i++)
      segments.push(parseSegment(table, i * phentsize, bits, source.size));
  }

  const raw: RawSection[] = [];
  if (shnum > 0) {
    const table = await source.read(shoff, shentsize * shnum);
    for (let i = 0; i < shnum; i++)
      raw.push(parseRawSection(new FieldReader(table, le), i * shentsize, bits));
  }
  const sections = await nameSections(source, raw, shstrndx);
  return makeElfFile(source, bits, le, machine, sections, segments);
}

function checkTable(
  size: number,
  offset: number,
  entsize: number,
  count: number,
  what: string,
): void {
  if (count > 0 && offset + entsize * count > size) {
    throw corrupt(
      `${what} (${count} × ${entsize} bytes at ${offset}) extends past the end of the file`,
    );
  }
}

interface RawSection {
  nameOffset: number;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
}

async function readRawSection(
  source: ByteSource,
  le: boolean,
  bits: 32 | 64,
  at: number,
): Promise<RawSection> {
  const size = bits === 64 ? 64 : 40;
  if (at + size > source.size)
    throw corrupt('section header table extends past the end of the file');
  return parseRawSection(new FieldReader(await source.read(at, size), le), 0, bits);
}

function parseRawSection(r: FieldReader, at: number, bits: 32 | 64): RawSection {
  const w = bits === 64 ? 8 : 4;
  return {
    nameOffset: r.u32(at),
    type: r.u32(at + 4),
    flags: r.word(at + 8, bits),
    addr: r.word(at + 8 + w, bits),
    offset: r.word(at + 8 + 2 * w, bits),
    size: r.word(at + 8 + 3 * w, bits),
    link: r.u32(at + 8 + 4 * w),
    info: r.u32(at + 12 + 4 * w),
  };
}

function parseSegment(r: FieldReader, at: number, bits: 32 | 64, fileSize: number): ElfSegment {
  const type = r.u32(at);
  const flags = bits === 64 ? r.u32(at + 4) : r.u32(at + 24);
  const o =
    bits === 64
      ? { off: 8, vaddr: 16, filesz: 32, memsz: 40 }
      : { off: 4, vaddr: 8, filesz: 16, memsz: 20 };
  const offset = toOffset(r.word(at + o.off, bits), fileSize, 'segment offset');
  const filesz = toOffset(r.word(at + o.filesz, bits), fileSize, 'segment size');
  if (offset + filesz > fileSize)
    throw corrupt(`segment at ${offset} (${filesz} bytes) extends past the end of the file`);
  return {
    type,
    flags,
    offset,
    vaddr: r.word(at + o.vaddr, bits),
    filesz,
    memsz: r.word(at + o.memsz, bits),
  };
}

async function nameSections(
  source: ByteSource,
  raw: RawSection[],
  shstrndx: number,
): Promise<ElfSection[]> {
  let names: Buffer | undefined;
  const strtab = shstrndx !== 0 ? raw[shstrndx] : undefined;
  if (shstrndx !== 0 && !strtab) throw corrupt(`section name table index ${shstrndx} out of range`);
  if (strtab && strtab.type !== SHT_NOBITS) {
    const offset = toOffset(strtab.offset, source.size, 'section name table offset');
    const size = toOffset(strtab.size, source.size, 'section name table size');
    if (size > MAX_SHSTRTAB_BYTES)
      throw new LimitExceededError(`ELF: section name table of ${size} bytes`);
    if (offset + size > source.size)
      throw corrupt('section name table extends past the end of the file');
    names = await source.read(offset, size);
  }
  return raw.map((s) => {
    let size = 0;
    let offset = 0;
    if (s.type !== SHT_NOBITS) {
      offset = toOffset(s.offset, source.size, 'section offset');
      size = toOffset(s.size, source.size, 'section size');
      if (offset + size > source.size) {
        throw corrupt(`section at ${offset} (${size} bytes) extends past the end of the file`);
      }
    }
    return {
      name: sectionName(names, s.nameOffset),
      type: s.type,
      flags: s.flags,
      addr: s.addr,
      offset,
      size,
    };
  });
}

function sectionName(names: Buffer | undefined, at: number): string {
  if (!names || at >= names.length) return '';
  const end = names.indexOf(0, at);
  return names.toString('latin1', at, end < 0 ? names.length : end);
}

function makeElfFile(
  source: ByteSource,
  bits: 32 | 64,
  littleEndian: boolean,
  machine: number,
  sections: ElfSection[],
  segments: ElfSegment[],
): ElfFile {
  const section = (name: string) => sections.find((s) => s.name === name);
  return {
    bits,
    littleEndian,
    machine,
    sections,
    segments,
    source,
    section,
    async readSection(name, maxBytes) {
      const s = section(name);
      if (!s) return undefined;
      if (s.size > maxBytes)
        throw new LimitExceededError(`ELF: section ${name} is ${s.size} bytes (limit ${maxBytes})`);
      return source.read(s.offset, s.size);
    },
    async readVirtual(addr, length) {
      const end = addr + BigInt(length);
      for (const p of segments) {
        if (p.type === PT_LOAD && p.vaddr <= addr && end <= p.vaddr + BigInt(p.filesz)) {
          return source.read(p.offset + Number(addr - p.vaddr), length);
        }
      }
      for (const s of sections) {
        if (
          (s.flags & BigInt(SHF_ALLOC)) !== 0n &&
          s.type !== SHT_NOBITS &&
          s.addr <= addr &&
          end <= s.addr + BigInt(s.size)
        ) {
          return source.read(s.offset + Number(addr - s.addr), length);
        }
      }
      throw corrupt(`virtual address 0x${addr.toString(16)} (+${length}) is not in the file`);
    },
  };
}
