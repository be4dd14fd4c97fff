/**
 * Reads header blobs out of rpm's Berkeley DB `Packages` file (hash access method) without
 * libdb: the metadata page gives byte order and page size; each hash page holds key/data pairs
 * whose data items point (H_OFFPAGE) to chains of overflow pages holding the blob. Page numbers
 * are bounded by the file; every overflow page belongs to at most one record (a file-wide owner
 * table), so a chain that loops or runs into another record's pages ends there and the whole walk
 * reads each page at most twice. Layouts: Berkeley DB's `dbinc/db_page.h`.
 */
import type { FileHandle } from 'node:fs/promises';

import { InvalidInputError } from '../../../errors.js';
import type { RpmBlob, WarnFn } from './blob.js';
import { maxHeaderDataBytes } from './header.js';

/** Magic number of a hash database's metadata page. */
export const bdbHashMagic = 0x061561;

const pageHeaderSize = 26;
const pageType = { hashUnsorted: 2, overflow: 7, hash: 13 } as const;
const itemType = { keyData: 1, offPage: 3 } as const;

/** What the metadata page says. */
interface BdbMeta {
  littleEndian: boolean;
  pageSize: number;
  pageCount: number;
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError('PACKAGE_DB_INVALID', `${path}: Berkeley DB: ${message}`);
}

/** True when the 4 bytes at offset 12 hold the hash magic in either byte order. */
export function isBdbHash(head: Buffer): boolean {
  return (
    head.length >= 16 &&
    (head.readUInt32LE(12) === bdbHashMagic || head.readUInt32BE(12) === bdbHashMagic)
  );
}

async function readMeta(handle: FileHandle, path: string): Promise<BdbMeta> {
  const { size } = await handle.stat();
  const head = Buffer.alloc(512);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  if (bytesRead < 72 || !isBdbHash(head)) throw invalid(path, 'not a hash database');
  const littleEndian = head.readUInt32LE(12) === bdbHashMagic;
  const u32 = (at: number) => (littleEndian ? head.readUInt32LE(at) : head.readUInt32BE(at));
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw invalid(path, `page size ${pageSize}`);
  }
  if (head[24] !== 0) throw invalid(path, 'encrypted databases are not supported');
  const lastPage = u32(32);
  const pageCount = Math.min(lastPage + 1, Math.floor(size / pageSize));
  return { littleEndian, pageSize, pageCount };
}

/** A page reader bound to one file and its byte order. */
class PageReader {
  constructor(
    private readonly handle: FileHandle,
    readonly meta: BdbMeta,
  ) {}

  async page(pgno: number): Promise<Buffer> {
    const buf = Buffer.alloc(this.meta.pageSize);
    const { bytesRead } = await this.handle.read(buf, 0, buf.length, pgno * this.meta.pageSize);
    return bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
  }

  u16(buf: Buffer, at: number): number {
    return this.meta.littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }

  u32(buf: Buffer, at: number): number {
    return this.meta.littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }
}

/**
 * Which record claimed each overflow page (0: none yet). Berkeley DB's hash access method never
 * shares an overflow page between records, so a second claim marks a hostile or broken file.
 */
class OverflowOwners {
  private readonly owner: Uint32Array;
  private records = 0;

  constructor(pageCount: number) {
    this.owner = new Uint32Array(pageCount);
  }

  /** A new record id for the next chain. */
  nextRecord(): number {
    return ++this.records;
  }

  /** Claims a page for a record; a reason string when it is already taken. */
  claim(pgno: number, record: number): string | undefined {
    const owner = this.owner[pgno] ?? 0;
    if (owner === record) return `overflow chain loops at page ${pgno}`;
    if (owner !== 0) return `overflow page ${pgno} is shared with another record`;
    this.owner[pgno] = record;
    return undefined;
  }
}

/** Follows one overflow chain; returns a reason string when the chain is broken. */
async function readOverflow(
  reader: PageReader,
  owners: OverflowOwners,
  first: number,
  total: number,
): Promise<Buffer | string> {
  if (total > maxHeaderDataBytes) return `record of ${total} bytes exceeds the limit`;
  const parts: Buffer[] = [];
  const record = owners.nextRecord();
  let collected = 0;
  let pgno = first;
  while (collected < total) {
    if (pgno === 0 || pgno >= reader.meta.pageCount) return `overflow page ${pgno} out of range`;
    const taken = owners.claim(pgno, record);
    if (taken) return taken;
    const page = await reader.page(pgno);
    if (page.length < pageHeaderSize || page[25] !== pageType.overflow) {
      return `page ${pgno} is not an overflow page`;
    }
    const used = reader.u16(page, 22);
    if (pageHeaderSize + used > page.length) return `overflow page ${pgno} overruns the page`;
    const take = Math.min(used, total - collected);
    parts.push(page.subarray(pageHeaderSize, pageHeaderSize + take));
    collected += take;
    pgno = reader.u32(page, 16);
    if (take === 0 && collected < total) return `overflow page ${pgno} is empty`;
  }
  return Buffer.concat(parts, total);
}

/** Yields the data items of one hash page: inline bytes or an overflow reference. */
function* hashPageValues(
  reader: PageReader,
  page: Buffer,
): Generator<{ index: number; inline?: Buffer; offPage?: { pgno: number; length: number } }> {
  const size = page.length;
  const entries = reader.u16(page, 20);
  if (pageHeaderSize + entries * 2 > size) return;
  const offsets: number[] = [];
  for (let i = 0; i < entries; i++) offsets.push(reader.u16(page, pageHeaderSize + i * 2));
  // Two index entries naming one item would yield its record twice.
  const used = new Set<number>();
  for (let i = 1; i < entries; i += 2) {
    const at = offsets[i] ?? 0;
    const end = offsets[i - 1] ?? size; // items are laid out downwards from the page end
    if (at < pageHeaderSize + entries * 2 || at >= size || used.has(at)) continue;
    used.add(at);
    if (page[at] === itemType.offPage && at + 12 <= size) {
      yield {
        index: i,
        offPage: { pgno: reader.u32(page, at + 4), length: reader.u32(page, at + 8) },
      };
    } else if (page[at] === itemType.keyData && end > at && end <= size) {
      yield { index: i, inline: page.subarray(at + 1, end) };
    }
  }
}

/**
 * Yields every rpm header blob in a Berkeley DB hash `Packages` file. Records whose overflow
 * chain is broken, loops, runs into another record's pages or out of the file are skipped with a
 * warning.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the metadata page is not a usable hash database.
 */
export async function* readBdbBlobs(
  handle: FileHandle,
  path: string,
  warn: WarnFn,
): AsyncGenerator<RpmBlob> {
  const reader = new PageReader(handle, await readMeta(handle, path));
  const owners = new OverflowOwners(reader.meta.pageCount);
  for (let pgno = 1; pgno < reader.meta.pageCount; pgno++) {
    const page = await reader.page(pgno);
    if (page.length < pageHeaderSize) break;
    if (page[25] !== pageType.hash && page[25] !== pageType.hashUnsorted) continue;
    for (const value of hashPageValues(reader, page)) {
      const id = `page ${pgno} item ${value.index}`;
      if (value.inline) {
        // rpm keeps a 4-byte counter under key 0; real headers are far longer.
        if (value.inline.length >= 16) yield { id, blob: value.inline };
        continue;
      }
      if (!value.offPage) continue;
      const blob = await readOverflow(reader, owners, value.offPage.pgno, value.offPage.length);
      if (typeof blob === 'string') warn(`${path}: ${id} skipped: ${blob}`);
      else yield { id, blob };
    }
  }
}
