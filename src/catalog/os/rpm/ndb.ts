/**
 * Reads header blobs out of rpm's NDB `Packages.db` (SUSE): a little-endian file whose first
 * pages hold a 32-byte header (`RpmP`) and 16-byte slots (`Slot`, package index, block offset,
 * block count); each slot points at a blob (`BlbS`, package index, generation, length, data)
 * in 16-byte blocks. Layout: rpm's `lib/backend/ndb/rpmpkg.c`.
 */
import type { FileHandle } from 'node:fs/promises';

import { InvalidInputError } from '../../../errors.js';
import type { RpmBlob, WarnFn } from './blob.js';
import { maxHeaderDataBytes } from './header.js';

const pageSize = 4096;
const slotSize = 16;
const blockSize = 16;
const blobHeadSize = 16;
/** Most slot pages read (a page holds 256 slots). */
const maxSlotPages = 4096;

const magic = (text: string) => Buffer.from(text, 'latin1').readUInt32LE(0);
const headerMagic = magic('RpmP');
const slotMagic = magic('Slot');
const blobMagic = magic('BlbS');

/** True when the file starts with NDB's `RpmP`. */
export function isNdb(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === headerMagic;
}

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError('PACKAGE_DB_INVALID', `${path}: NDB: ${message}`);
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/**
 * Yields every rpm header blob in an NDB `Packages.db`. A slot or blob that breaks the format
 * is skipped with a warning.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the file header is not NDB version 0.
 */
export async function* readNdbBlobs(
  handle: FileHandle,
  path: string,
  warn: WarnFn,
): AsyncGenerator<RpmBlob> {
  const { size } = await handle.stat();
  const head = await readAt(handle, 0, 32);
  if (head.length < 32 || !isNdb(head)) throw invalid(path, 'missing RpmP header');
  if (head.readUInt32LE(4) !== 0)
    throw invalid(path, `unsupported version ${head.readUInt32LE(4)}`);
  const slotPages = head.readUInt32LE(12);
  if (slotPages === 0 || slotPages > maxSlotPages || slotPages * pageSize > size) {
    throw invalid(path, `${slotPages} slot pages in a file of ${size} bytes`);
  }
  let badSlots = 0;
  for (let page = 0; page < slotPages; page++) {
    const slots = await readAt(handle, page * pageSize, pageSize);
    for (let at = page === 0 ? 32 : 0; at + slotSize <= slots.length; at += slotSize) {
      if (slots.readUInt32LE(at) !== slotMagic) {
        badSlots++;
        continue;
      }
      const pkgIndex = slots.readUInt32LE(at + 4);
      if (pkgIndex === 0) continue; // a free slot
      const blob = await readSlotBlob(handle, size, slots, at);
      if (typeof blob === 'string') warn(`${path}: pkgidx ${pkgIndex} skipped: ${blob}`);
      else yield { id: `pkgidx ${pkgIndex}`, blob };
    }
  }
  if (badSlots > 0) warn(`${path}: ${badSlots} slots without the Slot magic skipped`);
}

/** Reads the blob one slot points at; a reason string when it is broken. */
async function readSlotBlob(
  handle: FileHandle,
  size: number,
  slots: Buffer,
  at: number,
): Promise<Buffer | string> {
  const pkgIndex = slots.readUInt32LE(at + 4);
  const offset = slots.readUInt32LE(at + 8) * blockSize;
  const extent = slots.readUInt32LE(at + 12) * blockSize;
  if (offset < pageSize || offset + extent > size || extent < blobHeadSize) {
    return `blob at ${offset} (${extent} bytes) outside the file`;
  }
  const blobHead = await readAt(handle, offset, blobHeadSize);
  if (blobHead.readUInt32LE(0) !== blobMagic) return 'missing BlbS magic';
  if (blobHead.readUInt32LE(4) !== pkgIndex) return 'blob belongs to another package';
  const length = blobHead.readUInt32LE(12);
  if (length > extent - blobHeadSize || length > maxHeaderDataBytes) {
    return `blob length ${length} exceeds its ${extent}-byte extent`;
  }
  return readAt(handle, offset + blobHeadSize, length);
}
