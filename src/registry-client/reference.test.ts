import { describe, expect, it } from 'vitest';

import { formatReference, parseReference, registryApiHost } from './reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['library/alpine:3.20', 'docker.io/library/alpine:3.20'],
    ['index.docker.io/library/alpine', 'docker.io/library/alpine:latest'],
    ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['host:5000/a/b:tag', 'host:5000/a/b:tag'],
    ['ghcr.io/org/img', 'ghcr.io/org/img:latest'],
    ['localhost/x', 'localhost/x:latest'],
    ['127.0.0.1:5000/x__y/z-w.v:1.0_rc', '127.0.0.1:5000/x__y/z-w.v:1.0_rc'],
    [`a/b@${digest}`, `docker.io/a/b@${digest}`],
    [`a/b:tag@${digest}`, `docker.io/a/b:tag@${digest}`],
    [`[::1]:5000/a@${digest}`, `[::1]:5000/a@${digest}`],
  ])('normalises %s to %s', (input, expected) => {
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  it('keeps a digest-only reference without a tag', () => {
    expect(parseReference(`a/b@${digest}`)).toEqual({
      registry: 'docker.io',
      repository: 'a/b',
      digest,
    });
  });

  it('treats a first component without dot, colon or localhost as a Docker Hub namespace', () => {
    expect(parseReference('myorg/app').registry).toBe('docker.io');
  });

  it.each([
    ['', 'empty'],
    ['Alpine', 'upper-case repository'],
    ['a//b', 'empty component'],
    ['a/-b', 'leading separator'],
    [`a:${'t'.repeat(129)}`, 'tag longer than 128'],
    ['a:.tag', 'tag starting with a dot'],
    ['a@sha256:abc', 'short digest'],
    ['a@md5:' + 'a'.repeat(32), 'unknown algorithm'],
    [`host:5000/${'a'.repeat(256)}`, 'name longer than 255'],
    ['bad_host:5000/a', 'underscore in host'],
  ])('rejects %j (%s) with TARGET_INVALID', (input) => {
    expect(() => parseReference(input)).toThrow(
      expect.objectContaining({ code: 'TARGET_INVALID' }),
    );
  });
});

describe('registryApiHost', () => {
  it('sends Docker Hub requests to registry-1.docker.io', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
  });

  it('leaves other registries as they are', () => {
    expect(registryApiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});
