/**
 * Access and listings at the `/v2` routes with the real bootstrap-administrator access: 401 with a
 * challenge (none naming a scope for `/v2/`), every answer carrying the API version header, and
 * the catalog's pagination.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  errorCodes,
  pushBlob,
  sha256,
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ maxPageSize: 3 });
});
afterAll(async () => {
  await registry.close();
});

const anonymous = { authorization: '' };

describe('access', () => {
  test('GET /v2/ with credentials is 200 {} with the API version header', async () => {
    const response = await registry.request('GET', '/v2/');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await response.json()).toEqual({});
  });

  test('GET /v2/ without credentials is 401 with a challenge that names no scope', async () => {
    const response = await registry.request('GET', '/v2/', { headers: anonymous });
    expect(response.status).toBe(401);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/auth\/token",service="moat"$/,
    );
    expect(await errorCodes(response)).toEqual(['UNAUTHORIZED']);
  });

  test('a pull without credentials is 401 naming the repository scope', async () => {
    const response = await registry.request('GET', '/v2/team/app/tags/list', {
      headers: anonymous,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('scope="repository:team/app:pull"');
  });

  test('an upload without credentials is 401 asking for pull and push', async () => {
    const response = await registry.request('POST', '/v2/team/app/blobs/uploads/', {
      headers: anonymous,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /scope="repository:team\/app:pull,push"/,
    );
  });

  test('a wrong password is 401', async () => {
    const wrong = `Basic ${Buffer.from('admin:wrong-password').toString('base64')}`;
    const response = await registry.request('GET', '/v2/', { headers: { authorization: wrong } });
    expect(response.status).toBe(401);
    expect(await errorCodes(response)).toEqual(['UNAUTHORIZED']);
  });

  test('the catalog without credentials is 401 naming the catalog scope', async () => {
    const response = await registry.request('GET', '/v2/_catalog', { headers: anonymous });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('scope="registry:catalog:*"');
  });
});

describe('catalog and tags pagination', () => {
  test('the catalog pages with n, last and Link, capped at the configured page size', async () => {
    for (const name of ['team/a', 'team/b', 'team/c/d', 'zeta', 'alpha']) {
      const content = Buffer.from(name);
      expect((await pushBlob(registry, name, { content, digest: sha256(content) })).status).toBe(
        201,
      );
    }
    const first = await registry.request('GET', '/v2/_catalog?n=2');
    expect(await first.json()).toEqual({ repositories: ['alpha', 'team/a'] });
    expect(first.headers.get('link')).toBe('</v2/_catalog?last=team%2Fa&n=2>; rel="next"');
    const second = await registry.request('GET', '/v2/_catalog?n=2&last=team%2Fa');
    expect(await second.json()).toEqual({ repositories: ['team/b', 'team/c/d'] });
    const capped = await registry.request('GET', '/v2/_catalog?n=100');
    expect(await capped.json()).toEqual({ repositories: ['alpha', 'team/a', 'team/b'] });
    expect(capped.headers.get('link')).toBe('</v2/_catalog?last=team%2Fb&n=3>; rel="next"');
    const last = await registry.request('GET', '/v2/_catalog?last=team%2Fc%2Fd');
    expect(await last.json()).toEqual({ repositories: ['zeta'] });
    expect(last.headers.get('link')).toBeNull();
  });

  test('a malformed n is 400', async () => {
    for (const n of ['-1', 'abc', '1.5']) {
      const response = await registry.request('GET', `/v2/_catalog?n=${n}`);
      expect(response.status).toBe(400);
      expect(await errorCodes(response)).toEqual(['PAGINATION_NUMBER_INVALID']);
    }
  });

  test('the tags of an unknown repository are NAME_UNKNOWN', async () => {
    const response = await registry.request('GET', '/v2/never/pushed/tags/list');
    expect(response.status).toBe(404);
    expect(await errorCodes(response)).toEqual(['NAME_UNKNOWN']);
  });
});
