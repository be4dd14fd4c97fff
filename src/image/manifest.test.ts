import { describe, expect, it } from 'vitest';

import { layerCompression, mediaTypes, parseImageConfig, parseImageManifest } from './manifest.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseImageManifest', () => {
  it('parses an OCI manifest', () => {
    const json = JSON.stringify({
      schemaVersion: 2,
      mediaType: mediaTypes.ociManifest,
      config: { mediaType: mediaTypes.ociConfig, digest, size: 2 },
      layers: [{ mediaType: mediaTypes.ociLayerGzip, digest, size: 10 }],
    });
    expect(parseImageManifest(json, 'm.json', 1000).layers).toHaveLength(1);
  });

  it('names the document and the field when a digest is malformed', () => {
    const json = JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: mediaTypes.ociConfig, digest: 'sha256:abc', size: 2 },
      layers: [],
    });
    expect(() => parseImageManifest(json, 'm.json', 1000)).toThrow(/m\.json: config\.digest/);
  });

  it('refuses documents larger than the JSON limit', () => {
    expect(() => parseImageManifest('{}'.padEnd(2000, ' '), 'big.json', 1000)).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED' }) as Error,
    );
  });
});

describe('parseImageConfig', () => {
  it('accepts null Entrypoint and Labels as Docker writes them', () => {
    const json = JSON.stringify({
      os: 'linux',
      config: { Entrypoint: null, Labels: null, Env: null },
    });
    expect(parseImageConfig(json, 'c.json', 1000).config?.Entrypoint).toBeNull();
  });
});

describe('layerCompression', () => {
  it.each([
    [mediaTypes.ociLayerGzip, 'gzip'],
    [mediaTypes.ociLayerZstd, 'zstd'],
    [mediaTypes.ociLayer, 'none'],
    [mediaTypes.dockerLayerGzip, 'gzip'],
    [mediaTypes.dockerLayerForeignGzip, 'gzip'],
  ])('maps %s to %s', (mediaType, compression) => {
    expect(layerCompression(mediaType)).toBe(compression);
  });

  it('rejects encrypted and unknown layer media types', () => {
    for (const type of ['application/vnd.oci.image.layer.v1.tar+gzip+encrypted', 'text/plain']) {
      expect(() => layerCompression(type)).toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }) as Error,
      );
    }
  });
});
