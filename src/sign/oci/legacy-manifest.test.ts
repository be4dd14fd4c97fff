import { describe, expect, test } from 'vitest';

import { goJson, goManifest } from './go-manifest.js';
import { legacyConfig, legacyTag, parseLegacyManifest } from './legacy-manifest.js';

const d = (n: number) => ({
  mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
  size: n,
  digest: `sha256:${String(n).padStart(64, '0')}`,
});

describe('the legacy signature image', () => {
  test('tags are sha256-<hex>.sig and .att', () => {
    expect(legacyTag(`sha256:${'ab'.repeat(32)}`, 'signature')).toBe(
      `sha256-${'ab'.repeat(32)}.sig`,
    );
    expect(legacyTag(`sha256:${'ab'.repeat(32)}`, 'attestation')).toBe(
      `sha256-${'ab'.repeat(32)}.att`,
    );
  });

  test('a new config is the empty image with one diff_id and one empty history entry per layer', () => {
    expect(legacyConfig(undefined, [d(1)]).toString()).toBe(
      `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${d(1).digest}"]},"config":{}}`,
    );
  });

  test('appending keeps the previous config fields and history', () => {
    const previous = Buffer.from(
      '{"architecture":"","created":"2024-01-01T00:00:00Z","history":[{"created":"2024-01-01T00:00:00Z","comment":"x"}],"os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}',
    );
    const config = JSON.parse(legacyConfig(previous, [d(1), d(2)]).toString()) as Record<
      string,
      unknown
    >;
    expect(config.created).toBe('2024-01-01T00:00:00Z');
    expect(config.history).toEqual([
      { created: '2024-01-01T00:00:00Z', comment: 'x' },
      { created: '0001-01-01T00:00:00Z' },
    ]);
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [d(1).digest, d(2).digest] });
  });

  test('manifests are written in Go field order with sorted annotations and HTML escaping', () => {
    const bytes = goManifest({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        size: 2,
        digest: d(2).digest,
      },
      layers: [{ ...d(1), annotations: { z: '1', a: '<&>' } }],
    });
    expect(bytes.toString()).toBe(
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"${d(2).digest}"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":1,"digest":"${d(1).digest}","annotations":{"a":"\\u003c\\u0026\\u003e","z":"1"}}]}`,
    );
    expect(goJson({ a: '\u2028' }).toString()).toBe('{"a":"\\u2028"}');
  });

  test('a manifest that is not JSON or not an image manifest is SIGNATURE_INVALID', () => {
    expect(() => parseLegacyManifest(Buffer.from('{'), 'x')).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_INVALID' }) as Error,
    );
    expect(() => parseLegacyManifest(Buffer.from('{"manifests":[]}'), 'x')).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_INVALID' }) as Error,
    );
  });
});
