/**
 * Random access to the members of an uncompressed tar file without extracting it: headers are
 * read by seeking (content is skipped arithmetically), members are streamed straight from their
 * byte range. Symlinked members are resolved inside the archive because `docker save` archives
 * use them to deduplicate layers.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';

import { InvalidInputError, LimitExceededError } from '../errors.js';
import type { Limits } from '../util/limits.js';
import { normaliseEntryPath } from './entry-path.js';
import { blobReadBytes } from './io-sizes.js';
import type { FileSource } from './file-source.js';

/** Where a member's content sits in the archive. */
export interface TarMember {
  offset: number;
  size: number;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  linkTarget?: string;
}

/** An indexed tar file: a {@link FileSource} plus the raw member map. */
export interface TarIndex extends FileSource {
  readonly members: ReadonlyMap<string, TarMember>;
}

const BLOCK = 512;

function cString(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString(
    'utf8',
    offset,
    end === -1 || end > offset + length ? offset + length : end,
  );
}

function parseNumber(block: Buffer, offset: number, length: number): number {
  if ((block[offset] ?? 0) & 0x80) {
    let value = BigInt((block[offset] ?? 0) & 0x7f);
    for (let i = offset + 1; i < offset + length; i += 1)
      value = (value << 8n) | BigInt(block[i] ?? 0);
    return Number(value);
  }
  const text = cString(block, offset, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === parseNumber(block, 148, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = parseInt(data.toString('ascii', at, space), 10);
    if (space === -1 || !(length > 0)) break;
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) fields[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return fields;
}

const memberTypes: Record<string, TarMember['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'dir',
  '2': 'symlink',
  '1': 'hardlink',
};

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  return buffer.subarray(0, bytesRead);
}

/**
 * Indexes the tar file at `path` by reading only its headers.
 * @example const archive = await indexTar('image.tar', limits); const s = await archive.open('manifest.json');
 */
export async function indexTar(path: string, limits: Limits): Promise<TarIndex> {
  const handle = await open(path, 'r');
  try {
    const members = await scan(handle, path, limits);
    return tarSource(path, handle, members, limits);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function scan(
  handle: FileHandle,
  path: string,
  limits: Limits,
): Promise<Map<string, TarMember>> {
  const fileSize = (await handle.stat()).size;
  const members = new Map<string, TarMember>();
  const truncated = (what: string) =>
    new InvalidInputError('ARCHIVE_TRUNCATED', `${path}: archive is truncated (${what})`);
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (true) {
    const block = await readAt(handle, offset, BLOCK);
    if (block.length === 0 && members.size > 0) break; // no end-of-archive marker: tolerated
    if (block.length < BLOCK) throw truncated(`header at byte ${offset} is incomplete`);
    if (block.every((b) => b === 0)) break;
    if (!checksumOk(block)) {
      throw new InvalidInputError(
        'ARCHIVE_CORRUPT',
        `${path}: archive is corrupt (bad header checksum at byte ${offset})`,
      );
    }
    const typeflag = String.fromCharCode(block[156] ?? 0);
    let size = parseNumber(block, 124, 12);
    if (pax.size !== undefined && !['x', 'g', 'L', 'K'].includes(typeflag)) size = Number(pax.size);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new InvalidInputError(
        'ARCHIVE_CORRUPT',
        `${path}: archive is corrupt (bad size at byte ${offset})`,
      );
    }
    const dataOffset = offset + BLOCK;
    if (dataOffset + size > fileSize)
      throw truncated(`member at byte ${offset} claims ${size} bytes`);
    offset = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x' || typeflag === 'L' || typeflag === 'K') {
      if (size > limits.maxPathBytes + 1024) {
        throw new LimitExceededError(
          `${path}: extended header at byte ${dataOffset - BLOCK} is larger than allowed`,
        );
      }
      const data = await readAt(handle, dataOffset, size);
      if (typeflag === 'x') pax = parsePax(data);
      else if (typeflag === 'L') longName = cString(data, 0, data.length);
      else longLink = cString(data, 0, data.length);
      continue;
    }
    if (typeflag === 'g') continue;
    let name = cString(block, 0, 100);
    const prefix = block.toString('ascii', 257, 262) === 'ustar' ? cString(block, 345, 155) : '';
    if (prefix) name = `${prefix}/${name}`;
    name = pax.path ?? longName ?? name;
    const link = pax.linkpath ?? longLink ?? cString(block, 157, 100);
    pax = {};
    longName = longLink = undefined;
    if (members.size >= limits.maxLayerEntries) {
      throw new LimitExceededError(
        `${path}: archive has more than ${limits.maxLayerEntries} entries`,
      );
    }
    if (Buffer.byteLength(name) > limits.maxPathBytes) {
      throw new LimitExceededError(`${path}: member path longer than ${limits.maxPathBytes} bytes`);
    }
    const normal = normaliseEntryPath(name);
    if (!normal) continue;
    const type = memberTypes[typeflag] ?? 'other';
    members.set(normal, {
      offset: dataOffset,
      size: type === 'file' ? size : 0,
      type,
      ...(type === 'symlink' || type === 'hardlink' ? { linkTarget: link } : {}),
    });
  }
  return members;
}

function tarSource(
  path: string,
  handle: FileHandle,
  members: Map<string, TarMember>,
  limits: Limits,
): TarIndex {
  const resolve = (name: string): TarMember | undefined => {
    let current = normaliseEntryPath(name);
    for (let hop = 0; current !== undefined && hop <= limits.maxSymlinkHops; hop += 1) {
      const member = members.get(current);
      if (!member || member.type === 'file') return member;
      if (member.type === 'symlink')
        current = normaliseEntryPath(posix.join(posix.dirname(current), member.linkTarget ?? ''));
      else if (member.type === 'hardlink') current = normaliseEntryPath(member.linkTarget ?? '');
      else return undefined;
    }
    return undefined;
  };
  return {
    name: path,
    members,
    size(name) {
      return Promise.resolve(resolve(name)?.size);
    },
    open(name) {
      const member = resolve(name);
      if (!member) {
        return Promise.reject(
          new InvalidInputError(
            'TARGET_INVALID',
            `${path}: archive has no file ${JSON.stringify(name)}`,
          ),
        );
      }
      if (member.size === 0) return Promise.resolve(Readable.from([]));
      return Promise.resolve(rangeStream(handle, member.offset, member.size, `${path}: ${name}`));
    },
    async close() {
      await handle.close();
    },
  };
}

/**
 * Streams `length` bytes from `offset` with positioned reads on a shared handle (fs streams
 * close their descriptor when destroyed, which would close the archive for every member).
 */
function rangeStream(handle: FileHandle, offset: number, length: number, name: string): Readable {
  let position = offset;
  const end = offset + length;
  return new Readable({
    highWaterMark: blobReadBytes,
    read(size) {
      const wanted = Math.min(Math.max(size, 16 * 1024), 1024 * 1024, end - position);
      if (wanted <= 0) {
        this.push(null);
        return;
      }
      handle.read(Buffer.allocUnsafe(wanted), 0, wanted, position).then(
        ({ bytesRead, buffer }) => {
          if (bytesRead === 0) {
            this.destroy(
              new InvalidInputError(
                'ARCHIVE_TRUNCATED',
                `${name}: archive ends inside this member`,
              ),
            );
            return;
          }
          position += bytesRead;
          this.push(buffer.subarray(0, bytesRead));
        },
        (error: unknown) => this.destroy(error as Error),
      );
    },
  });
}
