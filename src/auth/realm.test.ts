import { describe, expect, it } from 'vitest';

import { realmFor } from './realm.js';

describe('the token realm', () => {
  it('is the configured URL when there is one', () => {
    expect(realmFor('https://reg.example/auth/token', { headers: { host: 'evil' }, ip: '' })).toBe(
      'https://reg.example/auth/token',
    );
  });

  it('is built from Host and the request protocol otherwise', () => {
    expect(realmFor('', { headers: { host: 'reg.example:5000' }, ip: '' })).toBe(
      'http://reg.example:5000/auth/token',
    );
    const tls = { headers: { host: '[::1]:5443' }, ip: '', protocol: 'https' };
    expect(realmFor('', tls)).toBe('https://[::1]:5443/auth/token');
  });

  it.each([
    'evil.example"\r\nSet-Cookie: a=b',
    'evil.example/path',
    'user@evil.example',
    'a b',
    'evil.example:99999999',
    '',
    'x'.repeat(300),
  ])('ignores the hostile Host %j', (host) => {
    expect(realmFor('', { headers: { host }, ip: '' })).toBe('/auth/token');
  });
});
