import { describe, expect, it } from 'vitest';

import { createScanContext } from '../../context.js';
import type { AnalysisResult, BufferAnalyzer } from '../../types.js';
import { npmPackageLockCataloger } from './npm-package-lock.js';
import { defineTextAnalyzer } from '../text-input.js';

const lock = defineTextAnalyzer(npmPackageLockCataloger);
const ctx = createScanContext();

function run(analyzer: BufferAnalyzer, path: string, text: string): Promise<AnalysisResult> {
  const content = Buffer.from(text);
  return analyzer.analyze({ path, size: content.length, mode: 0o100644, content }, ctx);
}

const wants = (path: string) => lock.wants({ path, size: 10, mode: 0o100644 });

// An excerpt of a lockfile npm 10 wrote for a workspace project (lockfileVersion 3).
const v3 = {
  name: 'shop',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': {
      name: 'shop',
      version: '1.0.0',
      workspaces: ['packages/*'],
      dependencies: { '@babel/core': '^7.24.0', debug: '^4.3.4' },
      devDependencies: { jest: '^29.7.0' },
    },
    'node_modules/@babel/core': {
      version: '7.24.0',
      resolved: 'https://registry.npmjs.org/@babel/core/-/core-7.24.0.tgz',
      integrity: 'sha512-x',
      license: 'MIT',
    },
    'node_modules/debug': {
      version: '4.3.4',
      resolved: 'https://registry.npmjs.org/debug/-/debug-4.3.4.tgz',
      license: 'MIT',
      dependencies: { ms: '2.1.2' },
    },
    'node_modules/ms': { version: '2.1.3', license: 'MIT' },
    'node_modules/debug/node_modules/ms': { version: '2.1.2', license: 'MIT' },
    'node_modules/jest': { version: '29.7.0', dev: true, license: 'MIT' },
    'node_modules/jest/node_modules/ms': { version: '2.1.3', dev: true, license: 'MIT' },
    'node_modules/fsevents': {
      version: '2.3.3',
      dev: true,
      optional: true,
      os: ['darwin'],
      license: 'MIT',
    },
    'node_modules/string-width-cjs': { name: 'string-width', version: '4.2.3', license: 'MIT' },
    'node_modules/@shop/ui': { resolved: 'packages/ui', link: true },
    'packages/ui': { name: '@shop/ui', version: '0.1.0' },
  },
};

describe('npm package-lock.json', () => {
  it('wants lockfiles and shrinkwraps anywhere outside node_modules', () => {
    expect(wants('srv/app/package-lock.json')).toBe(true);
    expect(wants('npm-shrinkwrap.json')).toBe(true);
    expect(wants('app/node_modules/x/package-lock.json')).toBe(false);
    expect(wants('app/node_modules/.package-lock.json')).toBe(false);
  });

  it('reads a v3 lockfile: scoped, nested, dev, optional and aliased packages; skips root, link and workspace source', async () => {
    const result = await run(lock, 'srv/shop/package-lock.json', JSON.stringify(v3));
    const meta = { lockfile: 'package-lock.json' };
    // ms@2.1.3 appears at the top (prod) and under jest (dev): one package, not dev.
    expect(result).toEqual({
      packages: [
        {
          type: 'npm',
          namespace: '@babel',
          name: 'core',
          version: '7.24.0',
          licenses: ['MIT'],
          metadata: meta,
        },
        { type: 'npm', name: 'debug', version: '4.3.4', licenses: ['MIT'], metadata: meta },
        { type: 'npm', name: 'ms', version: '2.1.3', licenses: ['MIT'], metadata: meta },
        { type: 'npm', name: 'ms', version: '2.1.2', licenses: ['MIT'], metadata: meta },
        {
          type: 'npm',
          name: 'jest',
          version: '29.7.0',
          licenses: ['MIT'],
          metadata: { ...meta, dev: true },
        },
        {
          type: 'npm',
          name: 'fsevents',
          version: '2.3.3',
          licenses: ['MIT'],
          metadata: { ...meta, dev: true, optional: true },
        },
        { type: 'npm', name: 'string-width', version: '4.2.3', licenses: ['MIT'], metadata: meta },
      ],
    });
  });

  it('reads a v1 lockfile: the nested dependencies tree, dev flags, aliases; skips file: links', async () => {
    const v1 = {
      name: 'legacy',
      version: '1.0.0',
      lockfileVersion: 1,
      requires: true,
      dependencies: {
        '@types/node': { version: '14.18.63', dev: true },
        express: {
          version: '4.17.1',
          requires: { debug: '2.6.9' },
          dependencies: { debug: { version: '2.6.9', dependencies: { ms: { version: '2.0.0' } } } },
        },
        debug: { version: '4.3.1' },
        'strip-ansi-cjs': { version: 'npm:strip-ansi@6.0.1' },
        local: { version: 'file:../local' },
      },
    };
    const result = await run(lock, 'app/npm-shrinkwrap.json', JSON.stringify(v1));
    const meta = { lockfile: 'npm-shrinkwrap.json' };
    const ids = result.packages?.map((p) => [p.namespace, p.name, p.version, p.metadata]);
    expect(ids).toEqual([
      ['@types', 'node', '14.18.63', { ...meta, dev: true }],
      [undefined, 'express', '4.17.1', meta],
      [undefined, 'debug', '4.3.1', meta],
      [undefined, 'strip-ansi', '6.0.1', meta],
      [undefined, 'debug', '2.6.9', meta],
      [undefined, 'ms', '2.0.0', meta],
    ]);
    expect(result.warnings).toBeUndefined();
  });

  it('reads only the packages map of a v2 lockfile, ignoring its v1-compatible dependencies tree', async () => {
    const v2 = {
      lockfileVersion: 2,
      packages: { '': { name: 'x' }, 'node_modules/ms': { version: '2.1.3' } },
      dependencies: { ms: { version: '2.1.3' }, stale: { version: '0.0.1' } },
    };
    const result = await run(lock, 'package-lock.json', JSON.stringify(v2));
    expect(result.packages?.map((p) => `${p.name}@${p.version}`)).toEqual(['ms@2.1.3']);
  });

  it('skips an entry of the wrong type with a warning naming the file and the entry', async () => {
    const bad = {
      lockfileVersion: 3,
      packages: { 'node_modules/a': { version: 3 }, 'node_modules/b': { version: '1.0.0' } },
    };
    const result = await run(lock, 'app/package-lock.json', JSON.stringify(bad));
    expect(result.packages?.map((p) => p.name)).toEqual(['b']);
    expect(result.warnings).toEqual([
      'app/package-lock.json: entry "node_modules/a" skipped: version: Invalid input: expected string, received number',
    ]);
  });

  it('warns once when the lockfile is not JSON', async () => {
    const result = await run(lock, 'app/package-lock.json', '<<<<<<< HEAD\n{"lockfileVersion": 3}');
    expect(result.packages).toBeUndefined();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(/^app\/package-lock\.json: not JSON \(/);
  });

  it('warns when the top level is not an object', async () => {
    const result = await run(lock, 'app/package-lock.json', '[1, 2]');
    expect(result.warnings).toEqual([
      'app/package-lock.json: not an npm lockfile (expected an object)',
    ]);
  });

  it('stops at 250,000 packages per file with one warning', async () => {
    const packages: Record<string, { version: string }> = {};
    for (let i = 0; i <= 250_000; i += 1) packages[`node_modules/p${i}`] = { version: '1' };
    const result = await run(
      lock,
      'package-lock.json',
      JSON.stringify({ lockfileVersion: 3, packages }),
    );
    expect(result.packages).toHaveLength(250_000);
    expect(result.warnings).toEqual([
      'package-lock.json: more than 250000 packages; the rest skipped',
    ]);
    // A quarter of a million entries take a while on a busy machine.
  }, 120_000);

  it('stops descending a v1 tree deeper than the nesting limit', async () => {
    const shallow = defineTextAnalyzer(npmPackageLockCataloger, { maxNestingDepth: 2 });
    const tree = {
      a: {
        version: '1.0.0',
        dependencies: { b: { version: '1.0.0', dependencies: { c: { version: '1.0.0' } } } },
      },
    };
    const result = await run(
      shallow,
      'package-lock.json',
      JSON.stringify({ lockfileVersion: 1, dependencies: tree }),
    );
    expect(result.packages?.map((p) => p.name)).toEqual(['a', 'b']);
    expect(result.warnings).toEqual([
      'package-lock.json: dependencies nested deeper than 2; deeper ones skipped',
    ]);
  });
});
