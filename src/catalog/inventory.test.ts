import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

import { memoryImage } from '../../test/fixtures/memory-image.js';
import { catalogImage } from './inventory.js';
import type { BufferAnalyzer, SpoolAnalyzer } from './types.js';

/** Reads `name version` lines from files called `pkgs.txt`. */
const listAnalyzer: BufferAnalyzer = {
  name: 'list',
  version: 1,
  input: 'buffer',
  maxFileBytes: 64,
  wants: (file) => file.path.endsWith('pkgs.txt'),
  analyze: (file) => {
    const text = file.content.toString();
    if (text.startsWith('boom')) return Promise.reject(new Error('not a package list'));
    return Promise.resolve({
      packages: text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name = '', version = ''] = line.split(' ');
          return { type: 'npm' as const, name, version, licenses: [] };
        }),
    });
  },
};

/** Reads `PKG1name` files from disk, as a random-access analyzer would. */
const spoolAnalyzer: SpoolAnalyzer = {
  name: 'spool',
  version: 1,
  input: 'spool',
  magic: [Buffer.from('PKG1')],
  wants: (file) => file.path.startsWith('bin/'),
  analyze: async (file) => {
    const name = (await readFile(file.spoolPath, 'utf8')).slice(4);
    return { packages: [{ type: 'golang', name, version: 'v1.0.0', licenses: [] }] };
  },
};

const osAnalyzer: BufferAnalyzer = {
  name: 'os',
  version: 1,
  input: 'buffer',
  wants: (file) => file.path === 'usr/lib/os-release',
  analyze: (file) => {
    const version = /VERSION_ID=(\S+)/.exec(file.content.toString())?.[1] ?? '';
    return Promise.resolve({ os: { family: 'debian', version, priority: 90 } });
  },
};

const analyzers = [listAnalyzer, spoolAnalyzer, osAnalyzer];

describe('catalogImage', () => {
  it('lists the packages of the flattened image with purl, path and layer', async () => {
    const inventory = await catalogImage(
      memoryImage([
        [
          { path: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID=11\n' },
          { path: 'app/pkgs.txt', content: 'left 1.0.0\n' },
          { path: 'old/pkgs.txt', content: 'gone 1.0.0\n' },
        ],
        [
          { path: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID=12\n' },
          { path: 'old/.wh.pkgs.txt' },
          { path: 'bin/tool', content: 'PKG1example.com/tool', mode: 0o755 },
          { path: 'bin/script', content: '#!/bin/sh\n', mode: 0o755 },
        ],
      ]),
      { analyzers, now: new Date(0) },
    );
    expect(inventory.artifact.os).toEqual({ family: 'debian', version: '12' });
    expect(inventory.packages.map((p) => [p.purl, p.path, p.layerDigest?.slice(7, 9)])).toEqual([
      ['pkg:golang/example.com/tool@v1.0.0', '/bin/tool', '11'],
      ['pkg:npm/left@1.0.0', '/app/pkgs.txt', '00'],
    ]);
    expect(inventory.warnings).toEqual([]);
  });

  it('warns about a file over its analyzer’s size limit and skips it', async () => {
    const inventory = await catalogImage(
      memoryImage([[{ path: 'pkgs.txt', content: `big 1.0.0\n${'x'.repeat(100)}` }]]),
      { analyzers },
    );
    expect(inventory.packages).toEqual([]);
    expect(inventory.warnings).toEqual([
      'skipped /pkgs.txt: 110 bytes is over the in-memory limit',
    ]);
  });

  it('turns an analyzer failure into a warning naming the file and goes on', async () => {
    const inventory = await catalogImage(
      memoryImage([
        [
          { path: 'a/pkgs.txt', content: 'boom' },
          { path: 'b/pkgs.txt', content: 'ok 2' },
        ],
      ]),
      { analyzers },
    );
    expect(inventory.packages.map((p) => p.name)).toEqual(['ok']);
    expect(inventory.warnings).toEqual(['skipped /a/pkgs.txt: not a package list']);
  });
});

describe('catalogImage with analyzers that require a byte string', () => {
  it('runs a spool analyzer only on files containing one of its required strings', async () => {
    const seen: string[] = [];
    const picky: SpoolAnalyzer = {
      ...spoolAnalyzer,
      requires: [Buffer.from('NEEDLE')],
      analyze: (file) => {
        seen.push(file.path);
        return Promise.resolve({});
      },
    };
    await catalogImage(
      memoryImage([
        [
          { path: 'bin/with', content: `PKG1${'x'.repeat(100)}NEEDLE`, mode: 0o755 },
          { path: 'bin/without', content: `PKG1${'x'.repeat(100)}NEEDL`, mode: 0o755 },
        ],
      ]),
      { analyzers: [picky] },
    );
    expect(seen).toEqual(['bin/with']);
  });
});
