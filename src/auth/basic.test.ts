import { describe, expect, it } from 'vitest';

import { CredentialCache, parseBasic } from './basic.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('Basic credentials', () => {
  it('reads user name and password; the password may contain colons', () => {
    expect(parseBasic(basic('admin:pa:ss'))).toEqual({ username: 'admin', password: 'pa:ss' });
    expect(parseBasic(basic('admin:'))).toEqual({ username: 'admin', password: '' });
  });

  it.each([
    'Basic',
    'Basic !!!',
    basic('no-colon'),
    basic(':nouser'),
    `Basic ${'A'.repeat(10_000)}`,
  ])('refuses the malformed header %s', (header) => {
    expect(parseBasic(header)).toBeUndefined();
  });

  it('caches verified headers up to its capacity, oldest out first', () => {
    const cache = new CredentialCache(60_000, 2);
    const admin = { kind: 'user', name: 'admin' } as const;
    cache.set('a', admin);
    cache.set('b', admin);
    cache.set('c', admin);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toEqual(admin);
    expect(cache.get('c')).toEqual(admin);
  });

  it('forgets entries once their lifetime is over', () => {
    const cache = new CredentialCache(0, 10);
    cache.set('a', { kind: 'user', name: 'admin' });
    expect(cache.get('a')).toBeUndefined();
  });
});
