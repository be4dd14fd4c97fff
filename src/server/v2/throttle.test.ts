/**
 * Password guessing through `Basic` on `/v2` is throttled like logins: after a few failures the
 * registry answers 429 `TOOMANYREQUESTS` with `Retry-After`, the same for the right password.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  errorCodes,
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry.close();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Basic credentials on /v2', () => {
  test('are answered 429 TOOMANYREQUESTS with Retry-After after repeated wrong passwords', async () => {
    let response = await registry.request('GET', '/v2/team/app/tags/list', {
      headers: { authorization: basic('mallory', 'guess 0') },
    });
    for (let attempt = 1; attempt < 20 && response.status === 401; attempt++) {
      response = await registry.request('GET', '/v2/team/app/tags/list', {
        headers: { authorization: basic('mallory', `guess ${attempt}`) },
      });
    }
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await errorCodes(response)).toEqual(['TOOMANYREQUESTS']);
  });
});
