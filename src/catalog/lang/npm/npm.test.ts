import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createScanContext } from '../../context.js';
import type { AnalysisResult } from '../../types.js';
import { npmInstalledCataloger } from './npm.js';
import { npmPackageLockCataloger } from './npm-package-lock.js';
import { defineTextAnalyzer } from '../text-input.js';

const installed = defineTextAnalyzer(npmInstalledCataloger);
const lock = defineTextAnalyzer(npmPackageLockCataloger);
const ctx = createScanContext();

function run(
  analyzer: typeof installed,
  path: string,
  content: string | Buffer,
): Promise<AnalysisResult> {
  const buffer = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return analyzer.analyze({ path, size: buffer.length, mode: 0o100644, content: buffer }, ctx);
}

const wants = (path: string) => installed.wants({ path, size: 10, mode: 0o100644 });

describe('npm installed packages', () => {
  it('wants package.json directly inside a package directory at any depth', () => {
    expect(wants('app/node_modules/lodash/package.json')).toBe(true);
    expect(wants('node_modules/@babel/core/package.json')).toBe(true);
    expect(wants('usr/lib/node_modules/npm/node_modules/semver/package.json')).toBe(true);
    expect(wants('app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json')).toBe(true);
  });

  it('does not want the application package.json, nested files or scope directories', () => {
    expect(wants('app/package.json')).toBe(false);
    expect(wants('app/node_modules/lodash/esm/package.json')).toBe(false);
    expect(wants('app/node_modules/@babel/package.json')).toBe(false);
    expect(wants('app/node_modules/package.json')).toBe(false);
  });

  it('reads a scoped package with a string license', async () => {
    const result = await run(
      installed,
      'app/node_modules/@babel/core/package.json',
      JSON.stringify({
        name: '@babel/core',
        version: '7.24.0',
        license: 'MIT',
        main: 'lib/index.js',
      }),
    );
    expect(result).toEqual({
      packages: [
        { type: 'npm', namespace: '@babel', name: 'core', version: '7.24.0', licenses: ['MIT'] },
      ],
    });
  });

  it('reads the legacy {type} license object and the legacy licenses array', async () => {
    const legacyObject = await run(
      installed,
      'node_modules/a/package.json',
      JSON.stringify({ name: 'a', version: '1.0.0', license: { type: 'ISC', url: 'https://x' } }),
    );
    const legacyArray = await run(
      installed,
      'node_modules/b/package.json',
      JSON.stringify({
        name: 'b',
        version: '2.0.0',
        licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }],
      }),
    );
    expect(legacyObject.packages?.[0]?.licenses).toEqual(['ISC']);
    expect(legacyArray.packages?.[0]?.licenses).toEqual(['MIT', 'Apache-2.0']);
  });

  it('keeps a package whose license field has an unusable type, with no license', async () => {
    const result = await run(
      installed,
      'node_modules/a/package.json',
      JSON.stringify({ name: 'a', version: '1.0.0', license: 42 }),
    );
    expect(result.packages).toEqual([{ type: 'npm', name: 'a', version: '1.0.0', licenses: [] }]);
  });

  it('warns once, naming the file, when package.json is not JSON', async () => {
    const result = await run(installed, 'node_modules/a/package.json', '{"name": "a",');
    expect(result.packages).toBeUndefined();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(/^node_modules\/a\/package\.json: not JSON/);
  });

  it('skips a package.json without a version, with a warning naming the field', async () => {
    const result = await run(
      installed,
      'node_modules/a/package.json',
      JSON.stringify({ name: 'a', version: 7 }),
    );
    expect(result.packages).toBeUndefined();
    expect(result.warnings).toEqual([
      'node_modules/a/package.json: entry "package.json" skipped: version: Invalid input: expected string, received number',
    ]);
  });

  it('skips a malformed package name', async () => {
    const result = await run(
      installed,
      'node_modules/a/package.json',
      JSON.stringify({ name: 'a/b/c', version: '1.0.0' }),
    );
    expect(result.packages).toBeUndefined();
    expect(result.warnings?.[0]).toContain('malformed package name "a/b/c"');
  });
});

/** Every package.json under node_modules of `root`, relative paths. */
async function packageJsonsUnder(
  root: string,
  dir = join(root, 'node_modules'),
): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) for (const p of await packageJsonsUnder(root, full)) found.push(p);
    else if (entry.name === 'package.json') found.push(relative(root, full));
  }
  return found;
}

interface LsNode {
  version?: string;
  dependencies?: Record<string, LsNode>;
}

function flattenLs(
  deps: Record<string, LsNode> | undefined,
  into = new Set<string>(),
): Set<string> {
  for (const [name, node] of Object.entries(deps ?? {})) {
    if (node.version) into.add(`${name}@${node.version}`);
    flattenLs(node.dependencies, into);
  }
  return into;
}

describe('npm against a real npm install', () => {
  let root = '';
  let npmFailure: string | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'moat-npm-'));
    const write = async (dir: string, manifest: object) => {
      await mkdir(join(root, dir), { recursive: true });
      await writeFile(join(root, dir, 'package.json'), JSON.stringify(manifest));
    };
    // a bundles c@1.0.0 (so it nests as node_modules/a/node_modules/c); @scope/b pulls c@2.0.0
    // to the top; d is a dev dependency. File dependencies need no registry.
    await write('a', {
      name: 'a',
      version: '1.0.0',
      license: 'MIT',
      dependencies: { c: '^1.0.0' },
      bundleDependencies: ['c'],
    });
    await write('a/node_modules/c', {
      name: 'c',
      version: '1.0.0',
      licenses: [{ type: 'BSD-3-Clause' }],
    });
    await write('b', {
      name: '@scope/b',
      version: '2.0.0',
      license: { type: 'ISC' },
      dependencies: { c: `file:${join(root, 'c2')}` },
    });
    await write('c2', { name: 'c', version: '2.0.0' });
    await write('d', { name: 'd', version: '3.1.4' });
    await write('app', {
      name: 'app',
      version: '0.0.0',
      private: true,
      devDependencies: { d: 'file:../d' },
    });
    const npm = (...args: string[]) =>
      spawnSync('npm', args, {
        cwd: join(root, 'app'),
        encoding: 'utf8',
        env: {
          ...process.env,
          npm_config_cache: join(root, 'cache'),
          npm_config_update_notifier: 'false',
        },
      });
    const install = npm(
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--install-links',
      '../a',
      '../b',
    );
    if (install.status !== 0)
      npmFailure = `npm install failed: ${install.stderr || String(install.error)}`;
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads every installed package.json and the lockfile as the same packages npm ls lists', async (test) => {
    if (npmFailure) {
      console.warn(`skipped: ${npmFailure}`);
      test.skip();
    }
    const app = join(root, 'app');
    // npm ls exits 1 (ELSPROBLEMS) for file: specs it deems "invalid"; its JSON is still complete.
    const ls = spawnSync('npm', ['ls', '--all', '--json'], { cwd: app, encoding: 'utf8' });
    const expected = flattenLs((JSON.parse(ls.stdout) as LsNode).dependencies);
    expect([...expected].sort()).toEqual([
      '@scope/b@2.0.0',
      'a@1.0.0',
      'c@1.0.0',
      'c@2.0.0',
      'd@3.1.4',
    ]);

    const fromInstalled = new Set<string>();
    for (const path of await packageJsonsUnder(app)) {
      expect(wants(path)).toBe(true);
      const result = await run(installed, path, await readFile(join(app, path)));
      expect(result.warnings).toBeUndefined();
      for (const pkg of result.packages ?? []) {
        fromInstalled.add(`${pkg.namespace ? `${pkg.namespace}/` : ''}${pkg.name}@${pkg.version}`);
      }
    }
    expect(fromInstalled).toEqual(expected);

    const lockResult = await run(
      lock,
      'app/package-lock.json',
      await readFile(join(app, 'package-lock.json')),
    );
    const fromLock = new Set(
      (lockResult.packages ?? []).map(
        (pkg) => `${pkg.namespace ? `${pkg.namespace}/` : ''}${pkg.name}@${pkg.version}`,
      ),
    );
    expect(fromLock).toEqual(expected);
    expect(lockResult.packages?.find((pkg) => pkg.name === 'd')?.metadata).toEqual({
      lockfile: 'package-lock.json',
      dev: true,
    });
  });
});
