/**
 * Locates and decodes the Go build-info blob in an ELF executable: the runtime version and the
 * module information (`path`/`mod`/`dep` lines) that `go version -m` prints. Both layouts are
 * read: Go ≥ 1.18 writes the two strings inline after the 32-byte header; older toolchains
 * write two pointers to Go string headers that are resolved through the load segments.
 * Layout facts from the Go sources (`debug/buildinfo`, `cmd/link/internal/ld/data.go`).
 */
import { InvalidInputError } from '../../../errors.js';
import { PF_W, PF_X, PT_LOAD, type ElfFile } from '../elf/elf.js';

/** The 14 bytes that open the build-info header. */
export const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

/** How far into the data section Go itself looks for the header. */
const SEARCH_WINDOW = 64 * 1024;
const HEADER_SIZE = 32;
const ALIGN = 16;
/** Largest runtime version string accepted. */
const MAX_VERSION_BYTES = 1024;
/** Largest module information accepted. */
export const MAX_MODINFO_BYTES = 4 * 1024 * 1024;
/** Length of each sentinel that frames the module information (`cmd/go/internal/modload`). */
const SENTINEL_BYTES = 16;

/** What the build-info blob holds. */
export interface GoBuildInfo {
  /** The runtime version, e.g. `go1.19.8`. */
  goVersion: string;
  /** The module information with its sentinels removed; empty for binaries built outside modules. */
  modinfo: string;
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError('PACKAGE_DB_INVALID', `Go build info: ${message}`);
}

/** The file region Go searches for the header: `.go.buildinfo`, else the first writable, non-executable load segment. */
function searchRegion(elf: ElfFile): { offset: number; size: number } | undefined {
  const section = elf.section('.go.buildinfo');
  if (section && section.size > 0) return { offset: section.offset, size: section.size };
  const data = elf.segments.find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W);
  return data ? { offset: data.offset, size: data.filesz } : undefined;
}

/** Reads the build info of a Go executable, or undefined when the file holds none (not Go). */
export async function readGoBuildInfo(elf: ElfFile): Promise<GoBuildInfo | undefined> {
  const region = searchRegion(elf);
  if (!region) return undefined;
  const window = await elf.source.read(region.offset, Math.min(region.size, SEARCH_WINDOW));
  let at = -1;
  for (let from = 0; ;) {
    const i = window.indexOf(GO_BUILDINFO_MAGIC, from);
    if (i < 0 || window.length - i < HEADER_SIZE) return undefined;
    if (i % ALIGN === 0) {
      at = i;
      break;
    }
    from = i + 1;
  }
  const header = window.subarray(at, at + HEADER_SIZE);
  const ptrSize = header[14] ?? 0;
  const flags = header[15] ?? 0;
  let goVersion: string;
  let modinfo: string;
  if ((flags & 2) !== 0) {
    const reader = new InlineStrings(
      elf,
      region.offset + at + HEADER_SIZE,
      region.offset + region.size,
    );
    goVersion = await reader.next(MAX_VERSION_BYTES, 'runtime version');
    modinfo = await reader.next(MAX_MODINFO_BYTES, 'module information');
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) throw invalid(`pointer size ${ptrSize}`);
    const bigEndian = flags !== 0;
    const readPtr = (b: Buffer, o: number) => readPointer(b, o, ptrSize, bigEndian);
    goVersion = await readGoString(
      elf,
      readPtr(header, 16),
      ptrSize,
      readPtr,
      MAX_VERSION_BYTES,
      'runtime version',
    );
    modinfo = await readGoString(
      elf,
      readPtr(header, 16 + ptrSize),
      ptrSize,
      readPtr,
      MAX_MODINFO_BYTES,
      'module information',
    );
  }
  if (goVersion === '') return undefined;
  return { goVersion, modinfo: stripSentinels(modinfo) };
}

function stripSentinels(modinfo: string): string {
  // Go's own check: at least two sentinels plus a newline, the last line ending before the end sentinel.
  const bytes = Buffer.from(modinfo, 'latin1');
  if (bytes.length >= 2 * SENTINEL_BYTES + 1 && bytes[bytes.length - SENTINEL_BYTES - 1] === 0x0a) {
    return bytes.subarray(SENTINEL_BYTES, bytes.length - SENTINEL_BYTES).toString('utf8');
  }
  return '';
}

function readPointer(b: Buffer, o: number, size: number, bigEndian: boolean): bigint {
  if (size === 4) return BigInt(bigEndian ? b.readUInt32BE(o) : b.readUInt32LE(o));
  return bigEndian ? b.readBigUInt64BE(o) : b.readBigUInt64LE(o);
}

/** Reads a Go string header (data pointer, length) at `addr` and then its bytes. */
async function readGoString(
  elf: ElfFile,
  addr: bigint,
  ptrSize: number,
  readPtr: (b: Buffer, o: number) => bigint,
  max: number,
  what: string,
): Promise<string> {
  if (addr === 0n) return '';
  const header = await elf.readVirtual(addr, 2 * ptrSize);
  const data = readPtr(header, 0);
  const length = readPtr(header, ptrSize);
  if (length > BigInt(max)) throw invalid(`${what} claims ${length} bytes (limit ${max})`);
  if (length === 0n) return '';
  return (await elf.readVirtual(data, Number(length))).toString('latin1');
}

/** Varint-length-prefixed strings laid out one after another, read from the file within `end`. */
class InlineStrings {
  constructor(
    private readonly elf: ElfFile,
    private offset: number,
    private readonly end: number,
  ) {}

  async next(max: number, what: string): Promise<string> {
    const head = await this.elf.source.read(this.offset, Math.min(10, this.end - this.offset));
    let length = 0;
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = head[n];
      if (byte === undefined || shift > 49) throw invalid(`${what} has a malformed length`);
      length += (byte & 0x7f) * 2 ** shift;
      n++;
      if ((byte & 0x80) === 0) break;
    }
    if (length > max) throw invalid(`${what} claims ${length} bytes (limit ${max})`);
    const start = this.offset + n;
    if (start + length > this.end)
      throw invalid(`${what} of ${length} bytes runs past its section`);
    this.offset = start + length;
    return (await this.elf.source.read(start, length)).toString('latin1');
  }
}
