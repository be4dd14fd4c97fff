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

/** A used slot: the package index and the blob extent it points at, in bytes. */
interface NdbSlot {
  pkgIndex: number;
  offset: number;
  extent: number;
}

/**
 * Yields every rpm header blob in an NDB `Packages.db`. A slot or blob that breaks the format
 * is skipped with a warning, and so is a slot whose blob overlaps one an earlier slot claimed:
 * rpm never shares blocks between packages, and slots pointing back at one blob would otherwise
 * multiply the work and the packages.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the file header is not NDB version 0.
 */
export async function* readNdbBlobs(
  handle: FileHandle,
  path: string,
  warn: WarnFn,
): AsyncGenerator<RpmBlob> {
  const { size } = await handle.stat();
  const slots = await readSlots(handle, path, size, warn);
  const overlapping = overlappingSlots(slots, size);
  for (const [i, slot] of slots.entries()) {
    const id = `pkgidx ${slot.pkgIndex}`;
    if (overlapping.has(i)) {
      warn(`${path}: ${id} skipped: blob at ${slot.offset} overlaps another package's blob`);
      continue;
    }
    const blob = await readSlotBlob(handle, size, slot);
    if (typeof blob === 'string') warn(`${path}: ${id} skipped: ${blob}`);
    else yield { id, blob };
  }
}

/** Reads the used slots of every slot page, in slot order. */
async function readSlots(
  handle: FileHandle,
  path: string,
  size: number,
  warn: WarnFn,
): Promise<NdbSlot[]> {
  const head = await readAt(handle, 0, 32);
  if (head.length < 32 || !isNdb(head)) throw invalid(path, 'missing RpmP header');
  if (head.readUInt32LE(4) !== 0)
    throw invalid(path, `unsupported version ${head.readUInt32LE(4)}`);
  const slotPages = head.readUInt32LE(12);
  if (slotPages === 0 || slotPages > maxSlotPages || slotPages * pageSize > size) {
    throw invalid(path, `${slotPages} slot pages in a file of ${size} bytes`);
  }
  const slots: NdbSlot[] = [];
  let badSlots = 0;
  for (let page = 0; page < slotPages; page++) {
    const buf = await readAt(handle, page * pageSize, pageSize);
    for (let at = page === 0 ? 32 : 0; at + slotSize <= buf.length; at += slotSize) {
      if (buf.readUInt32LE(at) !== slotMagic) {
        badSlots++;
        continue;
      }
      const pkgIndex = buf.readUInt32LE(at + 4);
      if (pkgIndex === 0) continue; // a free slot
      const offset = buf.readUInt32LE(at + 8) * blockSize;
      const extent = buf.readUInt32LE(at + 12) * blockSize;
      slots.push({ pkgIndex, offset, extent });
    }
  }
  if (badSlots > 0) warn(`${path}: ${badSlots} slots without the Slot magic skipped`);
  return slots;
}

/** True when a slot's extent lies after the slot pages and inside the file. */
function inFile({ offset, extent }: NdbSlot, size: number): boolean {
  return offset >= pageSize && offset + extent <= size && extent >= blobHeadSize;
}

/**
 * Positions (in `slots`) of slots whose extent starts inside an extent claimed before it; a slot
 * pointing outside the file claims nothing (it is skipped on its own account).
 */
function overlappingSlots(slots: readonly NdbSlot[], size: number): Set<number> {
  // Sorted by offset (then slot order), every overlap is one with the claims before it.
  const order = slots.map((slot, position) => ({ slot, position }));
  order.sort((a, b) => a.slot.offset - b.slot.offset || a.position - b.position);
  const overlapping = new Set<number>();
  let claimedUpTo = 0;
  for (const { slot, position } of order) {
    if (!inFile(slot, size)) continue;
    if (slot.offset < claimedUpTo) overlapping.add(position);
    else claimedUpTo = slot.offset + slot.extent;
  }
  return overlapping;
}

/** Reads the blob one slot points at; a reason string when it is broken. */
async function readSlotBlob(
  handle: FileHandle,
  size: number,
  slot: NdbSlot,
): Promise<Buffer | string> {
  const { pkgIndex, offset, extent } = slot;
  if (!inFile(slot, size)) {
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
