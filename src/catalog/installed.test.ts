import { describe, expect, it } from 'vitest';

import { memoryImage, type MemoryEntry } from '../../test/fixtures/memory-image.js';
import { catalogImage } from './inventory.js';
import type { Inventory } from './types.js';

const json = (value: unknown) => JSON.stringify(value);
const installedNpm = (dir: string, name: string, version: string): MemoryEntry => ({
  path: `${dir}node_modules/${name}/package.json`,
  content: json({ name, version }),
});

/** A package-lock v3 as `npm install` writes it for an app with esbuild and a dev dependency. */
const appLock = json({
  name: 'app',
  lockfileVersion: 3,
  packages: {
    '': { name: 'app', dependencies: { esbuild: '0.20.0' }, devDependencies: { vitest: '1.0.0' } },
    'node_modules/esbuild': { version: '0.20.0', optionalDependencies: {} },
    'node_modules/@esbuild/linux-x64': {
      version: '0.20.0',
      optional: true,
      os: ['linux'],
      cpu: ['x64'],
    },
    'node_modules/@esbuild/darwin-arm64': {
      version: '0.20.0',
      optional: true,
      os: ['darwin'],
      cpu: ['arm64'],
    },
    'node_modules/vitest': { version: '1.0.0', dev: true },
    'node_modules/tinyspy': { version: '2.0.0', dev: true },
  },
});

/** Reports as `name@version [flags] paths`, for compact expectations. */
function summary(inventory: Inventory): string[] {
  return inventory.packages.map((p) => {
    const flags = [p.dev ? 'dev' : '', p.optional ? 'optional' : ''].filter(Boolean).join(',');
    const where = (p.locations ?? [p.path]).join(' ');
    return `${p.namespace ? `${p.namespace}/` : ''}${p.name}@${p.version} [${flags}] ${where}`;
  });
}

describe('lockfiles against installed packages', () => {
  it('reports only installed npm packages, each once with its lockfile as a second location', async () => {
    const inventory = await catalogImage(
      memoryImage([
        [
          { path: 'app/package-lock.json', content: appLock },
          installedNpm('app/', 'esbuild', '0.20.0'),
          installedNpm('app/', '@esbuild/linux-x64', '0.20.0'),
          installedNpm('app/', 'vitest', '1.0.0'),
        ],
      ]),
    );
    expect(summary(inventory)).toEqual([
      'esbuild@0.20.0 [] /app/node_modules/esbuild/package.json /app/package-lock.json',
      '@esbuild/linux-x64@0.20.0 [optional] /app/node_modules/@esbuild/linux-x64/package.json /app/package-lock.json',
      'vitest@1.0.0 [dev] /app/node_modules/vitest/package.json /app/package-lock.json',
    ]);
  });

  it('keeps a lockfile with no installed tree, leaving out dev dependencies unless asked', async () => {
    const image = () =>
      memoryImage([
        [
          { path: 'app/package-lock.json', content: appLock },
          installedNpm('other/', 'left-pad', '1.3.0'),
        ],
      ]);
    const names = (inventory: Inventory) => inventory.packages.map((p) => p.name);
    expect(names(await catalogImage(image()))).toEqual([
      'darwin-arm64',
      'esbuild',
      'left-pad',
      'linux-x64',
    ]);
    const withDev = await catalogImage(image(), { includeDevDeps: true });
    expect(names(withDev)).toEqual([
      'darwin-arm64',
      'esbuild',
      'left-pad',
      'linux-x64',
      'tinyspy',
      'vitest',
    ]);
    expect(withDev.packages.find((p) => p.name === 'vitest')?.dev).toBe(true);
  });

  it('merges a Python lockfile into the installed distributions and drops what is not installed', async () => {
    const poetry = [
      '[[package]]\nname = "requests"\nversion = "2.31.0"\ncategory = "main"\n',
      '[[package]]\nname = "pytest"\nversion = "8.0.0"\ncategory = "dev"\n',
      '[[package]]\nname = "idna"\nversion = "3.6"\ncategory = "main"\n',
    ].join('\n');
    const inventory = await catalogImage(
      memoryImage([
        [
          { path: 'srv/poetry.lock', content: poetry },
          {
            path: 'usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA',
            content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n',
          },
          {
            path: 'usr/lib/python3/site-packages/idna-3.7.dist-info/METADATA',
            content: 'Metadata-Version: 2.1\nName: idna\nVersion: 3.7\n',
          },
        ],
      ]),
    );
    expect(summary(inventory)).toEqual([
      'idna@3.7 [] /usr/lib/python3/site-packages/idna-3.7.dist-info/METADATA',
      'requests@2.31.0 [] /usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA /srv/poetry.lock',
    ]);
  });

  it('drops lockfile-only dev dependencies of every ecosystem unless asked', async () => {
    const pipfile = json({
      default: { requests: { version: '==2.31.0' } },
      develop: { pytest: { version: '==8.0.0' } },
    });
    const composer = json({
      packages: [{ name: 'monolog/monolog', version: '3.5.0' }],
      'packages-dev': [{ name: 'phpunit/phpunit', version: '10.5.0' }],
    });
    const image = () =>
      memoryImage([
        [
          { path: 'srv/Pipfile.lock', content: pipfile },
          { path: 'web/composer.lock', content: composer },
        ],
      ]);
    expect(summary(await catalogImage(image()))).toEqual([
      'monolog/monolog@3.5.0 [] /web/composer.lock',
      'requests@2.31.0 [] /srv/Pipfile.lock',
    ]);
    expect(summary(await catalogImage(image(), { includeDevDeps: true }))).toEqual([
      'monolog/monolog@3.5.0 [] /web/composer.lock',
      'phpunit/phpunit@10.5.0 [dev] /web/composer.lock',
      'pytest@8.0.0 [dev] /srv/Pipfile.lock',
      'requests@2.31.0 [] /srv/Pipfile.lock',
    ]);
  });

  it('reads no packages from lockfiles shipped inside installed gems or Python packages', async () => {
    const gemLock = 'GEM\n  remote: https://rubygems.org/\n  specs:\n    rake (13.0.6)\n';
    const inventory = await catalogImage(
      memoryImage([
        [
          { path: 'usr/lib/ruby/gems/3.1.0/gems/foo-1.0/Gemfile.lock', content: gemLock },
          {
            path: 'usr/lib/ruby/gems/3.1.0/bundler/gems/bar-0a1b2c/Gemfile.lock',
            content: gemLock,
          },
          { path: 'usr/lib/python3/dist-packages/foo/requirements.txt', content: 'six==1.16.0\n' },
          { path: 'app/Gemfile.lock', content: gemLock },
        ],
      ]),
    );
    expect(summary(inventory)).toEqual(['rake@13.0.6 [] /app/Gemfile.lock']);
  });

  it('reports a file hard-linked under two paths once, with both paths', async () => {
    const inventory = await catalogImage(
      memoryImage([
        [
          installedNpm('app/', 'left-pad', '1.3.0'),
          {
            path: 'app/node_modules/copy/package.json',
            type: 'hardlink',
            linkTarget: 'app/node_modules/left-pad/package.json',
          },
        ],
      ]),
    );
    expect(summary(inventory)).toEqual([
      'left-pad@1.3.0 [] /app/node_modules/copy/package.json /app/node_modules/left-pad/package.json',
    ]);
  });
});
