import { describe, expect, test } from 'vitest';
import { sampleInventory } from './__fixtures__/inventory.js';
import { buildReport, renderJson } from './json.js';
import { reportSchema } from './report-schema.js';

describe('renderJson', () => {
  test('the rendered report parses with reportSchema', () => {
    const parsed = reportSchema.safeParse(JSON.parse(renderJson(sampleInventory())));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  test('reportSchema rejects a field it does not document', () => {
    const report = { ...buildReport(sampleInventory()), extra: true };
    expect(reportSchema.safeParse(report).success).toBe(false);
  });

  test('the header names schema version 2, the target and the inventory time', () => {
    expect(buildReport(sampleInventory())).toMatchObject({
      schemaVersion: 2,
      target: 'oci-archive:app.tar',
      createdAt: '2026-11-29T09:43:05.123Z',
    });
  });

  test('the OS carries family, version and codename, with an end-of-life date not yet known', () => {
    expect(buildReport(sampleInventory()).artifact.os).toEqual({
      family: 'debian',
      version: '12',
      codename: 'bookworm',
      eol: null,
    });
  });

  test('unknown artifact facts are null rather than missing', () => {
    const inventory = sampleInventory();
    inventory.artifact.manifestDigest = undefined;
    inventory.artifact.platform = undefined;
    inventory.artifact.os = undefined;
    const { artifact } = buildReport(inventory);
    expect(artifact).toMatchObject({ manifestDigest: null, platform: null, os: null });
    expect(artifact.layers[0]).toMatchObject({ diffId: null });
    expect(reportSchema.safeParse(buildReport(inventory)).success).toBe(true);
  });

  test('a package keeps its purl, source, arch, layer, path and metadata', () => {
    const openssl = buildReport(sampleInventory()).packages.find((p) => p.name === 'openssl-libs');
    expect(openssl).toEqual({
      name: 'openssl-libs',
      version: '1:3.0.7-27.el9',
      type: 'rpm',
      purl: 'pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&distro=rhel-9.4',
      source: { name: 'openssl', version: '3.0.7-27.el9' },
      arch: 'x86_64',
      licenses: ['Apache-2.0'],
      layer: { digest: 'sha256:7a1e8b5b8b4a6e2c1d0f9e8d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3' },
      path: '/var/lib/rpm/rpmdb.sqlite',
      metadata: { epoch: 1, release: '27.el9' },
    });
  });

  test('a package from no known layer has a null layer', () => {
    const inventory = sampleInventory();
    inventory.packages = inventory.packages.map(({ layerDigest: _layer, ...pkg }) => pkg);
    expect(buildReport(inventory).packages.every((p) => p.layer === null)).toBe(true);
  });

  test('finding sections are present and empty', () => {
    const report = buildReport(sampleInventory());
    expect([report.vulnerabilities, report.secrets, report.misconfigurations]).toEqual([
      [],
      [],
      [],
    ]);
  });

  test('the summary counts packages in total and by type', () => {
    expect(buildReport(sampleInventory()).summary).toEqual({
      packages: 10,
      byType: { deb: 2, golang: 2, maven: 1, npm: 3, pypi: 1, rpm: 1 },
    });
  });

  test('packages are ordered by type, name, version and path whatever the inventory order', () => {
    const shuffled = sampleInventory();
    shuffled.packages.reverse();
    expect(renderJson(shuffled)).toBe(renderJson(sampleInventory()));
    expect(buildReport(shuffled).packages.map((p) => p.type)).toEqual([
      'deb',
      'deb',
      'golang',
      'golang',
      'maven',
      'npm',
      'npm',
      'npm',
      'pypi',
      'rpm',
    ]);
  });
});

describe('dev, optional and several locations', () => {
  test('are reported as packages[].dev, .optional and .locations, and validate', () => {
    const inventory = sampleInventory();
    const [first] = inventory.packages.filter((p) => p.type === 'npm');
    if (!first) throw new Error('the sample has npm packages');
    first.dev = true;
    first.optional = true;
    first.locations = [first.path, '/app/package-lock.json'];
    const report = buildReport(inventory);
    const reported = report.packages.find((p) => p.path === first.path);
    expect(reported).toMatchObject({
      dev: true,
      optional: true,
      locations: [first.path, '/app/package-lock.json'],
    });
    expect(reportSchema.safeParse(report).error?.issues ?? []).toEqual([]);
    const plain = report.packages.find((p) => p.type === 'deb');
    expect(plain && ['dev', 'optional', 'locations'].filter((key) => key in plain)).toEqual([]);
  });
});
