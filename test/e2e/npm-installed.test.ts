/**
 * Installed packages only, on a real `npm install` (the npm registry must be reachable): an app
 * depending on esbuild, whose lockfile lists optional `@esbuild/<platform>` packages for every
 * platform but installs only this one, and whose install script hard-links the platform's Go
 * binary into `esbuild/bin`, plus a dev dependency. The oracle is `npm ls --all --json`.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { moat } from './cli.js';
import { requireTools } from './require-tools.js';

const run = promisify(execFile);
requireTools(['npm', 'umoci', 'tar']);

interface NpmTree {
  version?: string;
  dependencies?: Record<string, NpmTree>;
}

/** `name@version` of every package `npm ls --all --json` shows as present. */
async function npmLs(app: string, ...flags: string[]): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--all', '--json', ...flags], { cwd: app });
  const found = new Set<string>();
  const pending: Array<[string, NpmTree]> = Object.entries(
    (JSON.parse(stdout) as NpmTree).dependencies ?? {},
  );
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [name, node] = next;
    if (node.version === undefined) continue; // an optional package not installed here
    found.add(`${name}@${node.version}`);
    for (const entry of Object.entries(node.dependencies ?? {})) pending.push(entry);
  }
  return [...found].sort();
}

/** An OCI layout (tag `app`) of one layer holding `root`, archived by GNU tar (hard links kept). */
async function imageOf(root: string, layout: string): Promise<string> {
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:app`]);
  const tar = `${layout}.tar`;
  await run('tar', ['-C', root, '--numeric-owner', '-cf', tar, '.']);
  await run('umoci', ['raw', 'add-layer', '--image', `${layout}:app`, tar]);
  await rm(tar);
  return `oci:${layout}:app`;
}

interface ReportPackage {
  name: string;
  namespace?: string;
  version: string;
  type: string;
  purl: string;
  path: string;
  locations?: string[];
  dev?: true;
  optional?: true;
}

async function sbom(target: string, ...flags: string[]): Promise<ReportPackage[]> {
  const result = await moat([
    'sbom',
    target,
    '--format',
    'json',
    '--quiet',
    '--no-cache',
    ...flags,
  ]);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { packages: ReportPackage[] }).packages;
}

const fullName = (p: ReportPackage) => `${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
const npmIds = (packages: ReportPackage[]) =>
  packages
    .filter((p) => p.type === 'npm')
    .map((p) => `${fullName(p)}@${p.version}`)
    .sort();

describe('installed npm packages after a real npm install', () => {
  let dir: string;
  let root: string;
  let app: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-npm-'));
    root = join(dir, 'root');
    app = join(root, 'app');
    await mkdir(app, { recursive: true });
    const manifest = {
      name: 'app',
      version: '1.0.0',
      private: true,
      dependencies: { esbuild: '0.20.2' },
      devDependencies: { 'is-number': '7.0.0' },
    };
    await writeFile(join(app, 'package.json'), JSON.stringify(manifest));
    await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: app, timeout: 300_000 });
  }, 320_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports exactly what npm ls lists, each once with its lockfile as a second location', async () => {
    const oracle = await npmLs(app);
    expect(oracle).toContain('is-number@7.0.0');
    const packages = await sbom(await imageOf(root, join(dir, 'full')));
    const npm = packages.filter((p) => p.type === 'npm');
    expect(npmIds(packages)).toEqual(oracle);
    for (const pkg of npm) expect(pkg.locations).toContain('/app/package-lock.json');
    expect(npm.find((p) => p.name === 'is-number')?.dev).toBe(true);
    const platform = npm.filter((p) => p.namespace === '@esbuild');
    expect(platform.length).toBe(1);
    expect(platform[0]?.optional).toBe(true);
  });

  it('analyses the hard-linked esbuild binary once, with both of its paths', async () => {
    const packages = await sbom(await imageOf(root, join(dir, 'linked')));
    const golang = packages.filter((p) => p.type === 'golang');
    expect(golang.length).toBeGreaterThan(0);
    expect(new Set(golang.map((p) => p.purl)).size).toBe(golang.length);
    const platformBinary = npmIds(packages).find((id) => id.startsWith('@esbuild/'));
    const binaryDir = platformBinary?.slice(0, platformBinary.lastIndexOf('@'));
    for (const pkg of golang) {
      expect([...(pkg.locations ?? [])].sort()).toEqual(
        [
          `/app/node_modules/${binaryDir}/bin/esbuild`,
          '/app/node_modules/esbuild/bin/esbuild',
        ].sort(),
      );
    }
  });

  it('leaves out a dev dependency the lockfile lists but npm pruned', async () => {
    await run('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app });
    const oracle = await npmLs(app, '--omit=dev');
    expect(oracle).not.toContain('is-number@7.0.0');
    const target = await imageOf(root, join(dir, 'pruned'));
    expect(npmIds(await sbom(target))).toEqual(oracle);
    expect(npmIds(await sbom(target, '--include-dev-deps'))).toEqual(oracle);
  });
});
