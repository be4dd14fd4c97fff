import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildElf } from '../../../../test/fixtures/elf-builder.js';
import { createScanContext } from '../../context.js';
import { elfBinaryAnalyzer } from '../elf/elf-binary.js';
import { parseRustAudit } from './rust-audit.js';

// Shaped like what `cargo auditable build` embeds for a binary depending on serde.
const audit = {
  packages: [
    { name: 'hello', version: '0.1.0', source: 'local', dependencies: [1, 2], root: true },
    { name: 'serde', version: '1.0.197', source: 'crates.io', dependencies: [2] },
    { name: 'cc', version: '1.0.90', source: 'crates.io', kind: 'build' },
  ],
};

const section = (value: unknown) => deflateSync(Buffer.from(JSON.stringify(value)));

describe('parseRustAudit', () => {
  it('lists every crate with its source, marking the root and build-only crates', () => {
    expect(parseRustAudit(section(audit))).toEqual([
      {
        type: 'cargo',
        name: 'hello',
        version: '0.1.0',
        licenses: [],
        metadata: { source: 'local', root: true },
      },
      {
        type: 'cargo',
        name: 'serde',
        version: '1.0.197',
        licenses: [],
        metadata: { source: 'crates.io' },
      },
      {
        type: 'cargo',
        name: 'cc',
        version: '1.0.90',
        licenses: [],
        metadata: { source: 'crates.io', kind: 'build' },
      },
    ]);
  });

  it('rejects data that is not zlib', () => {
    expect(() => parseRustAudit(Buffer.from('{"packages":[]}'))).toThrow(/not zlib data/);
  });

  it('rejects JSON of the wrong shape', () => {
    expect(() => parseRustAudit(section({ packages: [{ name: 'x' }] }))).toThrow(
      expect.objectContaining({ code: 'PACKAGE_DB_INVALID' }),
    );
  });

  it('refuses to inflate more than 8 MiB', () => {
    const bomb = deflateSync(Buffer.alloc(9 * 1024 * 1024, 0x20));
    expect(() => parseRustAudit(bomb)).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
  });
});

describe('elfBinaryAnalyzer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-rust-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function analyze(bytes: Buffer) {
    const spoolPath = join(dir, 'bin');
    await writeFile(spoolPath, bytes);
    return elfBinaryAnalyzer.analyze(
      { path: 'usr/bin/hello', size: bytes.length, mode: 0o755, spoolPath },
      createScanContext(),
    );
  }

  it('reads the .dep-v0 section of an executable', async () => {
    const result = await analyze(
      buildElf({ sections: [{ name: '.dep-v0', data: section(audit) }] }),
    );
    expect(result.packages?.map((p) => p.name)).toEqual(['hello', 'serde', 'cc']);
  });

  it('finds nothing in an executable without the section', async () => {
    expect(
      await analyze(buildElf({ sections: [{ name: '.text', data: Buffer.alloc(2048) }] })),
    ).toEqual({});
  });

  it('turns a corrupt section into a warning naming the file', async () => {
    const result = await analyze(
      buildElf({ sections: [{ name: '.dep-v0', data: Buffer.from('garbage') }] }),
    );
    expect(result.warnings).toEqual(['usr/bin/hello: rust-audit: .dep-v0: not zlib data']);
  });
});
