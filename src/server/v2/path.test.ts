import { describe, expect, test } from 'vitest';

import { DistributionError } from '../../distribution/errors.js';
import { parseV2Path } from './path.js';

const digest = `sha256:${'a'.repeat(64)}`;

function failure(url: string): { code: string; status: number } | undefined {
  try {
    parseV2Path(url);
    return undefined;
  } catch (error) {
    if (!(error instanceof DistributionError)) throw error;
    return { code: error.ociCode, status: error.status };
  }
}

describe('reading endpoints from /v2 paths', () => {
  test.each([
    ['/v2/', { kind: 'base' }],
    ['/v2', { kind: 'base' }],
    ['/v2/_catalog?n=5', { kind: 'catalog' }],
    ['/v2/team/app/api/tags/list', { kind: 'tags', name: 'team/app/api' }],
    ['/v2/a/manifests/latest', { kind: 'manifest', name: 'a', reference: 'latest' }],
    [`/v2/a/b/manifests/${digest}`, { kind: 'manifest', name: 'a/b', reference: digest }],
    [
      `/v2/a/manifests/sha256%3A${'a'.repeat(64)}`,
      { kind: 'manifest', name: 'a', reference: digest },
    ],
    [`/v2/a/blobs/${digest}`, { kind: 'blob', name: 'a', digest }],
    ['/v2/a/b/blobs/uploads/', { kind: 'uploads', name: 'a/b' }],
    ['/v2/a/b/blobs/uploads', { kind: 'uploads', name: 'a/b' }],
    ['/v2/a/blobs/uploads/123?digest=x', { kind: 'upload', name: 'a', id: '123' }],
    [`/v2/a/referrers/${digest}?artifactType=x`, { kind: 'referrers', name: 'a', digest }],
    ['/v2/x/manifests/manifests/v1', { kind: 'manifest', name: 'x/manifests', reference: 'v1' }],
  ])('%s', (url, expected) => {
    expect(parseV2Path(url)).toEqual(expected);
  });

  test.each([
    '/v2/../etc/manifests/latest',
    '/v2/a/../b/manifests/latest',
    '/v2/a/%2e%2e/b/manifests/latest',
    '/v2/a%2Fb/manifests/latest',
    '/v2/a//b/manifests/latest',
    '/v2/A/manifests/latest',
    '/v2/a/%zz/manifests/latest',
    `/v2/${'a'.repeat(256)}/tags/list`,
  ])('%s is NAME_INVALID', (url) => {
    expect(failure(url)).toEqual({ code: 'NAME_INVALID', status: 400 });
  });

  test.each(['/v2/a/blobs/sha256:abc', `/v2/a/referrers/md5:${'a'.repeat(32)}`])(
    '%s is DIGEST_INVALID',
    (url) => {
      expect(failure(url)).toEqual({ code: 'DIGEST_INVALID', status: 400 });
    },
  );

  test.each(['/v2/a', '/v2/a/b/c', '/v2/a/tags', '/v2/_catalog/x', '/v2/manifests/latest'])(
    '%s is no endpoint (404)',
    (url) => {
      expect(failure(url)?.status).toBe(404);
    },
  );
});
