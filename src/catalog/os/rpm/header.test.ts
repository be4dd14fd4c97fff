import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isMoatError } from '../../../errors.js';
import { parseRpmHeader, parseRpmHeaderTags, parseSourceRpm } from './header.js';

type Entry = { tag: number; type: number; value: string | string[] | number[] };

/** Writes a header blob the way rpm stores it: counts, 16-byte index entries, data store. */
function buildHeader(entries: Entry[]): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let offset = 0;
  for (const { tag, type, value } of entries) {
    let bytes: Buffer;
    let count: number;
    if (typeof value === 'string') {
      bytes = Buffer.from(`${value}\0`);
      count = 1;
    } else if (typeof value[0] === 'number') {
      const ints = value as number[];
      const pad = (4 - (offset % 4)) % 4; // INT32 data is 4-aligned
      data.push(Buffer.alloc(pad));
      offset += pad;
      bytes = Buffer.alloc(ints.length * 4);
      ints.forEach((n, i) => bytes.writeInt32BE(n, i * 4));
      count = ints.length;
    } else {
      bytes = Buffer.from((value as string[]).map((s) => `${s}\0`).join(''));
      count = value.length;
    }
    const e = Buffer.alloc(16);
    e.writeUInt32BE(tag, 0);
    e.writeUInt32BE(type, 4);
    e.writeUInt32BE(offset, 8);
    e.writeUInt32BE(count, 12);
    index.push(e);
    data.push(bytes);
    offset += bytes.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(entries.length, 0);
  head.writeUInt32BE(offset, 4);
  return Buffer.concat([head, ...index, ...data]);
}

const bash: Entry[] = [
  { tag: 1000, type: 6, value: 'bash' },
  { tag: 1001, type: 6, value: '5.1.8' },
  { tag: 1002, type: 6, value: '1.cm2' },
  { tag: 1003, type: 4, value: [2] },
  { tag: 1014, type: 6, value: 'GPLv3+' },
  { tag: 1022, type: 6, value: 'x86_64' },
  { tag: 1044, type: 6, value: 'bash-5.1.8-1.cm2.src.rpm' },
];

function expectInvalid(blob: Buffer): void {
  expect(() => parseRpmHeader(blob)).toThrow(
    expect.objectContaining({ code: 'PACKAGE_DB_INVALID' }),
  );
}

describe('parseRpmHeader', () => {
  it('reads name, epoch, version, release, arch, licence and source rpm', () => {
    expect(parseRpmHeader(buildHeader(bash))).toEqual({
      name: 'bash',
      version: '5.1.8',
      release: '1.cm2',
      epoch: 2,
      arch: 'x86_64',
      license: 'GPLv3+',
      sourceRpm: 'bash-5.1.8-1.cm2.src.rpm',
    });
  });

  it('leaves the epoch out when the header has none', () => {
    expect(parseRpmHeader(buildHeader(bash.filter((e) => e.tag !== 1003))).epoch).toBeUndefined();
  });

  it('reads string arrays and i18n strings, and skips region tags', () => {
    const tags = parseRpmHeaderTags(
      buildHeader([
        { tag: 63, type: 7, value: 'region-trailer' },
        { tag: 1004, type: 9, value: ['Summary', 'Zusammenfassung'] },
        { tag: 1047, type: 8, value: ['a', 'b', 'c'] },
      ]),
    );
    expect(tags.get(63)).toBeUndefined();
    expect(tags.get(1004)).toEqual(['Summary', 'Zusammenfassung']);
    expect(tags.get(1047)).toEqual(['a', 'b', 'c']);
  });

  it('lets a later entry override an earlier one, as rpm does for appended tags', () => {
    const blob = buildHeader([...bash, { tag: 1000, type: 6, value: 'bash-renamed' }]);
    expect(parseRpmHeader(blob).name).toBe('bash-renamed');
  });

  it('rejects every truncation of a valid blob', () => {
    const blob = buildHeader(bash);
    for (let length = 0; length < blob.length; length++) expectInvalid(blob.subarray(0, length));
  });

  it('rejects a header without a name', () => {
    expectInvalid(buildHeader(bash.filter((e) => e.tag !== 1000)));
  });

  it('rejects an entry count or data length beyond the limits', () => {
    const blob = buildHeader(bash);
    const entries = Buffer.from(blob);
    entries.writeUInt32BE(0x10001, 0);
    expectInvalid(entries);
    const data = Buffer.from(blob);
    data.writeUInt32BE(0xffffffff, 4);
    expectInvalid(data);
  });

  it('rejects an offset past the data store', () => {
    const blob = buildHeader(bash);
    blob.writeUInt32BE(0x7fffffff, 8 + 8); // first entry's offset
    expectInvalid(blob);
  });

  it('rejects a string without its terminating NUL', () => {
    const blob = buildHeader([{ tag: 1000, type: 6, value: 'bash' }]);
    blob[blob.length - 1] = 0x41; // the NUL after "bash" becomes "A"
    expectInvalid(blob);
  });

  it('rejects an int32 array running past the data store', () => {
    const blob = buildHeader(bash);
    blob.writeUInt32BE(1000, 8 + 3 * 16 + 12); // EPOCH's count
    expectInvalid(blob);
  });

  it('rejects entries that overlap so much that decoding them would be quadratic', () => {
    const strings = Array.from({ length: 1000 }, (_, i) => `file-${i}`);
    const blob = buildHeader([
      { tag: 1117, type: 8, value: strings },
      ...Array.from({ length: 50 }, (_, i) => ({ tag: 5000 + i, type: 8, value: ['x'] })),
    ]);
    // Point every extra entry at the whole first array.
    for (let i = 1; i <= 50; i++) {
      blob.writeUInt32BE(0, 8 + i * 16 + 8);
      blob.writeUInt32BE(strings.length, 8 + i * 16 + 12);
    }
    expect(() => parseRpmHeaderTags(blob)).toThrow(/entries overlap/);
  });

  it('decodes only the package tags, so a hostile file list cannot slow it down', () => {
    const blob = buildHeader([...bash, { tag: 1117, type: 8, value: ['a', 'b'] }]);
    blob.writeUInt32BE(0xffff, 8 + bash.length * 16 + 12); // BASENAMES claims 65535 strings
    expect(() => parseRpmHeaderTags(blob)).toThrow(/strings/);
    expect(parseRpmHeader(blob).name).toBe('bash');
  });

  it('never fails with anything but PACKAGE_DB_INVALID on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          parseRpmHeader(Buffer.from(bytes));
        } catch (error) {
          return isMoatError(error) && error.code === 'PACKAGE_DB_INVALID';
        }
        return true;
      }),
    );
  });

  it('never fails with anything but PACKAGE_DB_INVALID when a valid blob is mutated', () => {
    const blob = buildHeader(bash);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(blob.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (edits) => {
          const copy = Buffer.from(blob);
          for (const [at, value] of edits) copy[at] = value;
          try {
            parseRpmHeader(copy);
          } catch (error) {
            return isMoatError(error) && error.code === 'PACKAGE_DB_INVALID';
          }
          return true;
        },
      ),
    );
  });
});

describe('parseSourceRpm', () => {
  it('splits name from version-release', () => {
    expect(parseSourceRpm('util-linux-2.32.1-42.el8_8.src.rpm')).toEqual({
      name: 'util-linux',
      version: '2.32.1-42.el8_8',
    });
  });

  it('rejects names that are not source rpms', () => {
    expect(parseSourceRpm('')).toBeUndefined();
    expect(parseSourceRpm('bash.rpm')).toBeUndefined();
  });
});
