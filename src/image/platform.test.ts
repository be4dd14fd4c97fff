import { describe, expect, it } from 'vitest';

import type { ImageIndex } from './manifest.js';
import { formatPlatform, parsePlatform, selectManifestFromIndex } from './platform.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest('a'),
      size: 1,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest('b'),
      size: 1,
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest('c'),
      size: 1,
      platform: { os: 'linux', architecture: 'arm64' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest('d'),
      size: 1,
      platform: { os: 'unknown', architecture: 'unknown' },
    },
  ],
};

describe('parsePlatform', () => {
  it('parses os, architecture and variant', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
  });

  it('round-trips through formatPlatform', () => {
    expect(formatPlatform(parsePlatform('linux/amd64'))).toBe('linux/amd64');
  });

  it('rejects a platform without an architecture', () => {
    expect(() => parsePlatform('linux')).toThrow(/os\/arch/);
  });
});

describe('selectManifestFromIndex', () => {
  it('selects by os and architecture', () => {
    expect(selectManifestFromIndex(index, { os: 'linux', architecture: 'amd64' }).digest).toBe(
      digest('a'),
    );
  });

  it('treats arm64 without a variant as arm64/v8', () => {
    expect(selectManifestFromIndex(index, parsePlatform('linux/arm64/v8')).digest).toBe(
      digest('c'),
    );
  });

  it('requires the variant when one is asked for', () => {
    expect(() => selectManifestFromIndex(index, parsePlatform('linux/arm/v6'))).toThrow(
      expect.objectContaining({ code: 'PLATFORM_NOT_FOUND' }) as Error,
    );
  });

  it('lists the available platforms when none matches', () => {
    expect(() => selectManifestFromIndex(index, parsePlatform('linux/s390x'), 'img')).toThrow(
      'img: no image for platform linux/s390x; available: linux/amd64, linux/arm/v7, linux/arm64',
    );
  });
});
