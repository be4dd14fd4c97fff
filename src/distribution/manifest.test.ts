import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { DistributionError } from './errors.js';
import { parseManifest } from './manifest.js';

const digestOf = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;
const descriptor = (mediaType: string, seed: string, extra: object = {}): object => ({
  mediaType,
  digest: digestOf(seed),
  size: seed.length,
  ...extra,
});
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';
const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';
const dockerList = 'application/vnd.docker.distribution.manifest.list.v2+json';
const ociConfig = 'application/vnd.oci.image.config.v1+json';
const gzipLayer = 'application/vnd.oci.image.layer.v1.tar+gzip';

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

function imageManifest(extra: object = {}): object {
  return {
    schemaVersion: 2,
    mediaType: ociManifest,
    config: descriptor(ociConfig, 'config'),
    layers: [descriptor(gzipLayer, 'layer1'), descriptor(gzipLayer, 'layer2')],
    ...extra,
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof DistributionError ? error.ociCode : 'not a DistributionError';
  }
}

describe('image manifests', () => {
  test('an OCI image manifest references its config and layers as blobs', () => {
    const parsed = parseManifest(bytes(imageManifest()), ociManifest);
    expect(parsed.mediaType).toBe(ociManifest);
    expect(parsed.references).toEqual([
      { digest: digestOf('config'), kind: 'blob' },
      { digest: digestOf('layer1'), kind: 'blob' },
      { digest: digestOf('layer2'), kind: 'blob' },
    ]);
    expect(parsed.artifactType).toBeUndefined();
    expect(parsed.subject).toBeUndefined();
  });

  test('a Docker schema 2 manifest is accepted with its media type', () => {
    const manifest = {
      schemaVersion: 2,
      mediaType: dockerManifest,
      config: descriptor('application/vnd.docker.container.image.v1+json', 'c'),
      layers: [descriptor('application/vnd.docker.image.rootfs.diff.tar.gzip', 'l')],
    };
    expect(parseManifest(bytes(manifest), dockerManifest).mediaType).toBe(dockerManifest);
  });

  test('foreign and non-distributable layers with urls are not references', () => {
    const manifest = imageManifest({
      layers: [
        descriptor('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'win', {
          urls: ['https://example.com/layer'],
        }),
        descriptor('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'win2', {
          urls: ['https://example.com/layer2'],
        }),
        descriptor(gzipLayer, 'own'),
      ],
    });
    expect(parseManifest(bytes(manifest), ociManifest).references.map((r) => r.digest)).toEqual([
      digestOf('config'),
      digestOf('own'),
    ]);
  });

  test('a manifest without layers is valid', () => {
    expect(
      parseManifest(bytes(imageManifest({ layers: [] })), ociManifest).references,
    ).toHaveLength(1);
  });

  test('unknown fields are tolerated (the conformance suite sends some)', () => {
    const manifest = imageManifest({
      config: { ...descriptor(ociConfig, 'config'), data: 'e30=', newUnspecifiedField: 'aGk=' },
    });
    expect(parseManifest(bytes(manifest), ociManifest).references).toHaveLength(3);
  });

  test('a repeated layer is one reference', () => {
    const layer = descriptor(gzipLayer, 'same');
    const parsed = parseManifest(bytes(imageManifest({ layers: [layer, layer] })), ociManifest);
    expect(parsed.references).toHaveLength(2);
  });
});

describe('artifacts and subjects', () => {
  test('artifactType and subject are read, the subject is not a reference', () => {
    const manifest = imageManifest({
      artifactType: 'application/vnd.example.sbom',
      subject: descriptor(ociManifest, 'subject'),
      annotations: { 'org.example': 'yes' },
    });
    const parsed = parseManifest(bytes(manifest), ociManifest);
    expect(parsed.artifactType).toBe('application/vnd.example.sbom');
    expect(parsed.subject).toBe(digestOf('subject'));
    expect(parsed.annotations).toEqual({ 'org.example': 'yes' });
    expect(parsed.references.map((r) => r.digest)).not.toContain(digestOf('subject'));
  });

  test('without artifactType, a referrer reports its config media type', () => {
    const manifest = imageManifest({
      config: descriptor('application/vnd.example.signature', 'sig'),
      subject: descriptor(ociManifest, 'subject'),
    });
    expect(parseManifest(bytes(manifest), ociManifest).artifactType).toBe(
      'application/vnd.example.signature',
    );
  });

  test('an ordinary image has no artifact type', () => {
    expect(parseManifest(bytes(imageManifest()), ociManifest).artifactType).toBeUndefined();
  });

  test('an index artifact keeps its artifactType; its children are manifest references', () => {
    const index = {
      schemaVersion: 2,
      mediaType: ociIndex,
      artifactType: 'application/vnd.food.stand',
      manifests: [descriptor(ociManifest, 'a'), descriptor(ociManifest, 'b')],
      subject: descriptor(ociManifest, 's'),
    };
    const parsed = parseManifest(bytes(index), ociIndex);
    expect(parsed.artifactType).toBe('application/vnd.food.stand');
    expect(parsed.references).toEqual([
      { digest: digestOf('a'), kind: 'manifest' },
      { digest: digestOf('b'), kind: 'manifest' },
    ]);
  });

  test('a Docker manifest list is an index', () => {
    const list = {
      schemaVersion: 2,
      mediaType: dockerList,
      manifests: [descriptor(dockerManifest, 'x')],
    };
    expect(parseManifest(bytes(list), dockerList).references[0]?.kind).toBe('manifest');
  });
});

describe('media type detection', () => {
  test('without a Content-Type the document mediaType decides', () => {
    expect(parseManifest(bytes(imageManifest()), undefined).mediaType).toBe(ociManifest);
  });

  test('without either, the shape decides', () => {
    const { mediaType: _dropped, ...bare } = imageManifest() as { mediaType: string };
    expect(parseManifest(bytes(bare), undefined).mediaType).toBe(ociManifest);
    expect(parseManifest(bytes({ schemaVersion: 2, manifests: [] }), undefined).mediaType).toBe(
      ociIndex,
    );
  });

  test('a Content-Type parameter is ignored', () => {
    expect(parseManifest(bytes(imageManifest()), `${ociManifest}; charset=utf-8`).mediaType).toBe(
      ociManifest,
    );
  });

  test('a Content-Type that contradicts mediaType is MANIFEST_INVALID', () => {
    expect(codeOf(() => parseManifest(bytes(imageManifest()), dockerManifest))).toBe(
      'MANIFEST_INVALID',
    );
  });

  test('an unknown manifest media type is MANIFEST_INVALID', () => {
    expect(
      codeOf(() => parseManifest(bytes(imageManifest({ mediaType: 'text/plain' })), undefined)),
    ).toBe('MANIFEST_INVALID');
  });
});

describe('malformed manifests', () => {
  test.each([
    ['not JSON', Buffer.from('blablabla')],
    ['a JSON array', bytes([])],
    ['a JSON string', bytes('x')],
    ['schema version 1', bytes({ ...imageManifest(), schemaVersion: 1 })],
    ['no config', bytes({ schemaVersion: 2, mediaType: ociManifest, layers: [] })],
    [
      'a bad digest',
      bytes(imageManifest({ config: { mediaType: ociConfig, digest: 'sha256:zz', size: 1 } })),
    ],
    [
      'a negative size',
      bytes(imageManifest({ config: { ...descriptor(ociConfig, 'c'), size: -1 } })),
    ],
    ['layers not an array', bytes(imageManifest({ layers: {} }))],
    ['a manifest with manifests', bytes(imageManifest({ manifests: [] }))],
    [
      'an index with a config',
      bytes({ schemaVersion: 2, mediaType: ociIndex, manifests: [], config: {} }),
    ],
    ['annotations that are not strings', bytes(imageManifest({ annotations: { a: 1 } }))],
  ])('%s is MANIFEST_INVALID', (_name, body) => {
    expect(codeOf(() => parseManifest(body, undefined))).toBe('MANIFEST_INVALID');
  });

  test('arbitrary bytes never throw anything but MANIFEST_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (noise) => {
        const code = codeOf(() => parseManifest(Buffer.from(noise), ociManifest));
        expect(code).toBe('MANIFEST_INVALID');
      }),
    );
  });

  test('arbitrary JSON values are either valid manifests or MANIFEST_INVALID', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const code = codeOf(() => parseManifest(bytes(value), undefined));
        expect([undefined, 'MANIFEST_INVALID']).toContain(code);
      }),
    );
  });
});
