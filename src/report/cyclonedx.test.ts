import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { describe, expect, test } from 'vitest';
import type { Inventory } from '../catalog/types.js';
import { sampleInventory } from './__fixtures__/inventory.js';
import { renderCycloneDx } from './cyclonedx.js';

interface CdxComponent {
  type: string;
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  'bom-ref'?: string;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
  properties?: Array<{ name: string; value: string }>;
}
interface CdxBom {
  serialNumber: string;
  metadata: {
    timestamp: string;
    tools: { components: CdxComponent[] };
    component: CdxComponent;
  };
  components: CdxComponent[];
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}

const render = (inventory: Inventory = sampleInventory()): CdxBom =>
  JSON.parse(renderCycloneDx(inventory, { toolVersion: '0.1.0' })) as CdxBom;

const componentAt = (bom: CdxBom, path: string): CdxComponent | undefined =>
  bom.components.find((c) =>
    c.properties?.some((p) => p.name === 'moat:package:path' && p.value === path),
  );

describe('renderCycloneDx', () => {
  test('the document validates against the CycloneDX 1.6 strict JSON schema', async () => {
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    await expect(validator.validate(renderCycloneDx(sampleInventory()))).resolves.toBeNull();
  });

  test('an inventory of a bare filesystem without OS or digests still validates', async () => {
    const inventory = sampleInventory();
    inventory.artifact = {
      ...inventory.artifact,
      kind: 'filesystem',
      transport: 'dir',
      name: '',
      manifestDigest: undefined,
      configDigest: undefined,
      repoTags: [],
      os: undefined,
    };
    inventory.packages = inventory.packages.map(({ layerDigest: _layer, ...pkg }) => pkg);
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    await expect(
      validator.validate(renderCycloneDx(inventory, { toolVersion: '0.1.0' })),
    ).resolves.toBeNull();
  });

  test('the image is the metadata component: a container versioned by its manifest digest', () => {
    const { component } = render().metadata;
    expect(component).toMatchObject({
      type: 'container',
      name: 'registry.example.com/team/app',
      version: 'sha256:3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a',
    });
    expect(component.purl).toMatch(/^pkg:oci\/app@sha256:3f2a1b0c.*tag=1\.4\.2/);
    expect(component['bom-ref']).toBe(component.purl);
  });

  test('an image without a manifest digest is versioned by its tag', () => {
    const inventory = sampleInventory();
    inventory.artifact.manifestDigest = undefined;
    expect(render(inventory).metadata.component.version).toBe('1.4.2');
  });

  test('the timestamp is the inventory time and Moat is named as the tool', () => {
    const { metadata } = render();
    expect(metadata.timestamp).toBe('2026-11-29T09:43:05.123Z');
    expect(metadata.tools.components).toEqual([
      { type: 'application', name: 'moat', version: '0.1.0' },
    ]);
  });

  test('the serial number is a fresh urn:uuid for every document', () => {
    const first = render().serialNumber;
    expect(first).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(render().serialNumber).not.toBe(first);
  });

  test('every package becomes a library component carrying its purl', () => {
    const inventory = sampleInventory();
    const libraries = render(inventory).components.filter((c) => c.type === 'library');
    expect(libraries.map((c) => c.purl).sort()).toEqual(
      inventory.packages.map((p) => p.purl).sort(),
    );
  });

  test('the OS is an operating-system component named by family and version', () => {
    const os = render().components.find((c) => c.type === 'operating-system');
    expect(os).toMatchObject({ name: 'debian', version: '12' });
  });

  test('two packages sharing a purl at different paths get distinct bom-refs', () => {
    const bom = render();
    const refs = [
      componentAt(bom, '/app/node_modules/lodash/package.json')?.['bom-ref'],
      componentAt(bom, '/app/node_modules/legacy-tool/node_modules/lodash/package.json')?.[
        'bom-ref'
      ],
    ];
    expect(refs).toContain('pkg:npm/lodash@4.17.21');
    expect(new Set(refs).size).toBe(2);
    const allRefs = [bom.metadata.component, ...bom.components].map((c) => c['bom-ref']);
    expect(new Set(allRefs).size).toBe(allRefs.length);
  });

  test('the image depends on every component', () => {
    const bom = render();
    const image = bom.dependencies.find((d) => d.ref === bom.metadata.component['bom-ref']);
    expect(image?.dependsOn?.slice().sort()).toEqual(
      bom.components.map((c) => c['bom-ref']).sort(),
    );
  });

  test('SPDX ids become licence ids and other strings named licences', () => {
    const bom = render();
    expect(componentAt(bom, '/app/lib/log4j-core-2.17.1.jar')?.licenses).toEqual([
      { license: { id: 'Apache-2.0' } },
    ]);
    const libgcc = bom.components.find((c) => c.name === 'libgcc-s1');
    expect(libgcc?.licenses).toContainEqual({ license: { name: 'GPL-2+ with exception' } });
  });

  test('a compound SPDX expression stays one expression', () => {
    const cryptography = render().components.find((c) => c.name === 'cryptography');
    expect(cryptography?.licenses).toEqual([{ expression: 'Apache-2.0 OR BSD-3-Clause' }]);
  });

  test('several licences including an expression are joined with AND into one expression', () => {
    const inventory = sampleInventory();
    const zlib = inventory.packages.find((p) => p.name === 'zlib1g');
    if (zlib === undefined) throw new TypeError('fixture lacks zlib1g');
    zlib.licenses = ['Zlib', 'MIT OR BSD-2-Clause'];
    const rendered = render(inventory).components.find((c) => c.name === 'zlib1g');
    expect(rendered?.licenses).toEqual([{ expression: 'Zlib AND (MIT OR BSD-2-Clause)' }]);
  });

  test('Moat specifics travel as moat: properties', () => {
    const zlib = render().components.find((c) => c.name === 'zlib1g');
    expect(zlib?.properties).toEqual([
      {
        name: 'moat:layer:digest',
        value: 'sha256:7a1e8b5b8b4a6e2c1d0f9e8d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3',
      },
      { name: 'moat:package:arch', value: 'amd64' },
      { name: 'moat:package:path', value: '/var/lib/dpkg/status' },
      { name: 'moat:package:source-name', value: 'zlib' },
      { name: 'moat:package:source-version', value: '1:1.2.13.dfsg-1' },
    ]);
  });

  test('an npm scope becomes the group, with its @', () => {
    const babel = render().components.find((c) => c.purl === 'pkg:npm/%40babel/core@7.24.0');
    expect(babel).toMatchObject({ group: '@babel', name: 'core' });
  });

  test('rendering twice differs only in the serial number, whatever the package order', () => {
    const shuffled = sampleInventory();
    shuffled.packages.reverse();
    const withoutSerial = (text: string): string => text.replace(/urn:uuid:[0-9a-f-]+/, '');
    expect(withoutSerial(renderCycloneDx(shuffled))).toBe(
      withoutSerial(renderCycloneDx(sampleInventory())),
    );
  });
});

describe('dev and optional dependencies', () => {
  test('get scope excluded / optional, moat:dev / moat:optional and every location', async () => {
    const inventory = sampleInventory();
    const [dev, optional] = inventory.packages.filter((p) => p.type === 'npm');
    if (!dev || !optional) throw new Error('the sample has npm packages');
    dev.dev = true;
    dev.locations = [dev.path, '/app/package-lock.json'];
    optional.optional = true;
    const bom = render(inventory) as CdxBom & {
      components: Array<CdxComponent & { scope?: string }>;
    };
    const devComponent = componentAt(bom, dev.path) as CdxComponent & { scope?: string };
    expect(devComponent.scope).toBe('excluded');
    expect(devComponent.properties).toEqual(
      expect.arrayContaining([
        { name: 'moat:dev', value: 'true' },
        { name: 'moat:package:location', value: dev.path },
        { name: 'moat:package:location', value: '/app/package-lock.json' },
      ]),
    );
    const optionalComponent = componentAt(bom, optional.path) as CdxComponent & { scope?: string };
    expect(optionalComponent.scope).toBe('optional');
    expect(optionalComponent.properties).toContainEqual({ name: 'moat:optional', value: 'true' });
    expect((componentAt(bom, '/var/lib/rpm/rpmdb.sqlite') as { scope?: string }).scope).toBe(
      undefined,
    );
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    await expect(
      validator.validate(renderCycloneDx(inventory, { toolVersion: '0.1.0' })),
    ).resolves.toBeNull();
  });
});
