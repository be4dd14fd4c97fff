import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';

import { moat } from './cli.js';
import { debianImage, type DebianImage } from './debian-image.js';
import { pushWithSkopeo, startRegistry } from './registry-harness.js';
import { requireTools } from './require-tools.js';

interface ReportPackage {
  name: string;
  version: string;
  type: string;
  arch?: string;
  source?: { name: string; version: string };
  layer?: { digest: string };
  purl: string;
}

const execFileAsync = promisify(execFile);
const spdxSchemaPath = fileURLToPath(
  new URL('../fixtures/data/schemas/spdx-schema-2.3.json', import.meta.url),
);
requireTools(['debootstrap', 'umoci', 'skopeo', 'dpkg-query', 'docker-registry']);

describe('moat sbom on a real debootstrapped Debian image', () => {
  let image: DebianImage;
  beforeAll(async () => {
    image = await debianImage();
  });

  /** The Debian packages of a JSON report, in the oracle's line format. */
  async function debLines(target: string): Promise<string[]> {
    const run = await moat(['sbom', target, '--format', 'json', '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { packages: ReportPackage[] };
    return report.packages
      .filter((p) => p.type === 'deb')
      .map((p) =>
        [p.name, p.version, p.arch, p.source?.name ?? p.name, p.source?.version ?? p.version].join(
          '\t',
        ),
      )
      .sort();
  }

  it('lists exactly what dpkg-query lists, from a docker archive', async () => {
    expect(await debLines(`docker-archive:${image.dockerArchive}`)).toEqual(image.oracle);
  });

  it('lists exactly what dpkg-query lists, from an OCI layout', async () => {
    expect(await debLines(`oci:${image.ociLayout}:bookworm`)).toEqual(image.oracle);
  });

  it('lists exactly what dpkg-query lists, from an OCI archive', async () => {
    expect(await debLines(`oci-archive:${image.ociArchive}`)).toEqual(image.oracle);
  });

  it('lists exactly what dpkg-query lists, from the root filesystem', async () => {
    expect(await debLines(`dir:${image.rootfs}`)).toEqual(image.oracle);
  });

  it('lists exactly what dpkg-query lists, from a registry', async () => {
    const registry = await startRegistry();
    try {
      await pushWithSkopeo(image.ociLayout, 'bookworm', `${registry.host}/library/debian:bookworm`);
      expect(await debLines(`docker://${registry.host}/library/debian:bookworm`)).toEqual(
        image.oracle,
      );
      expect(await debLines(`${registry.host}/library/debian:bookworm`)).toEqual(image.oracle);
    } finally {
      await registry.stop();
    }
  });

  it('writes CycloneDX 1.6 that validates against the schema, one component per package', async () => {
    const run = await moat([
      'sbom',
      `oci:${image.ociLayout}:bookworm`,
      '-f',
      'cyclonedx-json',
      '-q',
    ]);
    expect(run.code).toBe(0);
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(run.stdout)).toBeNull();
    const bom = JSON.parse(run.stdout) as { components: { type: string; purl?: string }[] };
    const libraries = bom.components.filter((c) => c.type === 'library');
    expect(libraries).toHaveLength(image.oracle.length);
  });

  it('writes SPDX 2.3 that validates against the schema, one package per dpkg package', async () => {
    const run = await moat(['sbom', `oci:${image.ociLayout}:bookworm`, '-f', 'spdx-json', '-q']);
    expect(run.code).toBe(0);
    const schema = JSON.parse(readFileSync(spdxSchemaPath, 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const document = JSON.parse(run.stdout) as { packages: { externalRefs?: unknown[] }[] };
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const purls = document.packages.filter((p) =>
      JSON.stringify(p.externalRefs ?? []).includes('pkg:deb/'),
    );
    expect(purls).toHaveLength(image.oracle.length);
  });

  it('answers a rescan from the layer cache without reading the layer again', async () => {
    const work = await mkdtemp(join(tmpdir(), 'moat-cache-e2e-'));
    try {
      const layout = join(work, 'layout');
      await execFileAsync('cp', ['-al', image.ociLayout, layout]);
      const env = { MOAT_CACHE_DIR: join(work, 'cache') };
      const args = ['sbom', `oci:${layout}:bookworm`, '--format', 'json', '--quiet'];
      const first = await moat(args, env);
      expect(first.code).toBe(0);
      // Remove the layer blob: only the cache can answer now.
      const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
        manifests: { digest: string }[];
      };
      const blob = (digest: string) => join(layout, 'blobs', ...digest.split(':'));
      const manifest = JSON.parse(
        await readFile(blob(index.manifests[0]?.digest ?? ''), 'utf8'),
      ) as { layers: { digest: string }[] };
      for (const layer of manifest.layers) await rm(blob(layer.digest));
      const second = await moat(args, env);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      const packages = (run: { stdout: string }) =>
        (JSON.parse(run.stdout) as { packages: unknown[] }).packages;
      expect(packages(second)).toEqual(packages(first));
      expect(packages(first)).toHaveLength(image.oracle.length);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('detects each transport from a bare path', async () => {
    expect(await debLines(image.dockerArchive)).toEqual(image.oracle);
    expect(await debLines(image.rootfs)).toEqual(image.oracle);
  });

  it('names Debian 12 and the layer of every package', async () => {
    const run = await moat([
      'sbom',
      `docker-archive:${image.dockerArchive}`,
      '--format',
      'json',
      '-q',
    ]);
    const report = JSON.parse(run.stdout) as {
      artifact: {
        os: { family: string; version: string; codename: string };
        layers: { digest: string }[];
      };
      packages: ReportPackage[];
    };
    expect(report.artifact.os).toMatchObject({
      family: 'debian',
      version: '12',
      codename: 'bookworm',
    });
    const layer = report.artifact.layers[0]?.digest;
    expect(layer).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const pkg of report.packages) {
      expect(pkg.layer?.digest).toBe(layer);
      if (pkg.type === 'deb') expect(pkg.purl).toMatch(/^pkg:deb\/debian\/.+distro=debian-12/);
    }
  });
});
