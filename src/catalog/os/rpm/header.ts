/**
 * The rpm header blob as rpm's databases store it (no lead, no 8-byte header magic): a big-endian
 * count of index entries and of data bytes, 16-byte index entries (tag, type, offset, count),
 * then the data store. Every read is bounds-checked; a blob that breaks the format raises
 * PACKAGE_DB_INVALID. Format: rpm's `lib/header.c` and the LSB "Package File Format".
 */
import { InvalidInputError } from '../../../errors.js';

/** Most index entries one header may declare. */
export const maxHeaderEntries = 0x10000;
/** Most data bytes one header may declare. */
export const maxHeaderDataBytes = 256 * 1024 * 1024;

/** rpm tag numbers Moat reads. */
export const rpmTags = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  license: 1014,
  arch: 1022,
  sourceRpm: 1044,
} as const;

/** Region tags (HEADER_IMAGE, HEADER_SIGNATURES, HEADER_IMMUTABLE) that frame other entries. */
const regionTags = new Set([61, 62, 63]);

/** Header data types Moat decodes (rpm's `rpmTagType`). */
const TagType = { Int32: 4, String: 6, StringArray: 8, I18nString: 9 } as const;

/** A decoded tag value: strings for string types, numbers for INT32. */
export type RpmTagValue = string[] | number[];

/** The tags of one header, by number, in the types Moat understands. */
export type RpmHeader = Map<number, RpmTagValue>;

/** The package facts read out of one header. */
export interface RpmHeaderPackage {
  name: string;
  version: string;
  release: string;
  /** Undefined when the package has no Epoch. */
  epoch?: number;
  arch: string;
  /** `name-version-release.src.rpm`, empty for source packages and gpg-pubkey entries. */
  sourceRpm: string;
  license: string;
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError('PACKAGE_DB_INVALID', `rpm header: ${message}`);
}

/** Reads NUL-terminated strings from `data` starting at `offset`; each must end inside `data`. */
function readStrings(data: Buffer, offset: number, count: number, tag: number): string[] {
  const out: string[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    const end = data.indexOf(0, at);
    if (end < 0) throw invalid(`tag ${tag}: string runs past the data store`);
    out.push(data.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}

/**
 * Decodes the index and the string and INT32 tags of one header blob; other types are skipped.
 * Later entries win over earlier ones, as rpm lets entries appended after install override the
 * immutable region.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the blob breaks the format or the limits.
 */
export function parseRpmHeaderTags(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw invalid(`blob of ${blob.length} bytes is too short`);
  const entries = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (entries === 0 || entries > maxHeaderEntries) throw invalid(`${entries} index entries`);
  if (dataLength > maxHeaderDataBytes) throw invalid(`${dataLength} data bytes`);
  const dataStart = 8 + entries * 16;
  if (dataStart + dataLength > blob.length) {
    throw invalid(`declares ${dataStart + dataLength} bytes but the blob has ${blob.length}`);
  }
  const data = blob.subarray(dataStart, dataStart + dataLength);
  const tags: RpmHeader = new Map();
  for (let i = 0; i < entries; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    const type: number = blob.readUInt32BE(at + 4);
    const offset = blob.readUInt32BE(at + 8);
    const count = blob.readUInt32BE(at + 12);
    if (regionTags.has(tag)) continue;
    if (offset >= dataLength && count > 0) throw invalid(`tag ${tag}: offset ${offset} past data`);
    switch (type) {
      case TagType.String:
        tags.set(tag, readStrings(data, offset, 1, tag));
        break;
      case TagType.StringArray:
      case TagType.I18nString:
        if (count > dataLength - offset) throw invalid(`tag ${tag}: ${count} strings`);
        tags.set(tag, readStrings(data, offset, count, tag));
        break;
      case TagType.Int32: {
        if (count > (dataLength - offset) / 4) throw invalid(`tag ${tag}: ${count} int32 values`);
        const values: number[] = [];
        for (let k = 0; k < count; k++) values.push(data.readInt32BE(offset + k * 4));
        tags.set(tag, values);
        break;
      }
      default:
        break; // binary, char and other integer types carry nothing Moat reads
    }
  }
  return tags;
}

/** The first string of a tag, or '' when absent. */
function firstString(tags: RpmHeader, tag: number): string {
  const value = tags.get(tag)?.[0];
  return typeof value === 'string' ? value : '';
}

/**
 * Reads the package facts (name, epoch, version, release, arch, source rpm, licence) of one header.
 * @throws InvalidInputError PACKAGE_DB_INVALID when the blob is malformed or has no name/version.
 */
export function parseRpmHeader(blob: Buffer): RpmHeaderPackage {
  const tags = parseRpmHeaderTags(blob);
  const name = firstString(tags, rpmTags.name);
  const version = firstString(tags, rpmTags.version);
  if (!name || !version) throw invalid('no NAME or VERSION tag');
  const epochValue = tags.get(rpmTags.epoch)?.[0];
  const pkg: RpmHeaderPackage = {
    name,
    version,
    release: firstString(tags, rpmTags.release),
    arch: firstString(tags, rpmTags.arch),
    sourceRpm: firstString(tags, rpmTags.sourceRpm),
    license: firstString(tags, rpmTags.license),
  };
  if (typeof epochValue === 'number') pkg.epoch = epochValue;
  return pkg;
}

/**
 * Splits a source rpm file name (`util-linux-2.32.1-42.el8_8.src.rpm`) into name and
 * `version-release`; undefined when it does not have that shape.
 */
export function parseSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(sourceRpm);
  if (!match) return undefined;
  return { name: match[1] ?? '', version: `${match[2]}-${match[3]}` };
}
