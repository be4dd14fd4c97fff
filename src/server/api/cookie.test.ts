import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

import { clearSessionCookie, readSessionCookie, setSessionCookie } from './cookie.js';

const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345-_';

describe('readSessionCookie', () => {
  it('finds the session token among other cookies, whatever the spacing', () => {
    expect(readSessionCookie(`moat_session=${token}`)).toBe(token);
    expect(readSessionCookie(`theme=dark;moat_session=${token}; lang=en`)).toBe(token);
    expect(readSessionCookie(`theme=dark;   moat_session = ${token} `)).toBe(token);
  });

  it('takes the first of two session cookies', () => {
    expect(readSessionCookie(`moat_session=${token}; moat_session=${token}x`)).toBe(token);
  });

  it('ignores a missing, empty, too short, non-base64url or oversized value', () => {
    for (const header of [
      undefined,
      '',
      'theme=dark',
      'moat_session=',
      'moat_session=short',
      "moat_session=' OR 1=1 --aaaaaaaaaaaa",
      `moat_session="${token}"`,
      `moat_session=${token}%00`,
      `moat_session=${'a'.repeat(300)}`,
      `moat_session=${token}; pad=${'x'.repeat(9000)}`,
      `xmoat_session=${token}`,
    ]) {
      expect(readSessionCookie(header)).toBeUndefined();
    }
  });
});

// Secure over TLS is tested with a real HTTPS server in routes/users.test.ts.
describe('setSessionCookie and clearSessionCookie', () => {
  const cookiesOf = async () => {
    const app = Fastify();
    app.get('/set', (request, reply) => {
      setSessionCookie(request, reply, token, new Date(Date.UTC(2030, 0, 2, 3, 4, 5)));
      return reply.send('');
    });
    app.get('/clear', (request, reply) => {
      clearSessionCookie(request, reply);
      return reply.send('');
    });
    const set = await app.inject({ method: 'GET', url: '/set' });
    const cleared = await app.inject({ method: 'GET', url: '/clear' });
    await app.close();
    return {
      set: String(set.headers['set-cookie']),
      cleared: String(cleared.headers['set-cookie']),
    };
  };

  it('writes an HttpOnly, SameSite=Strict cookie for the whole site, expiring with the session', async () => {
    const { set, cleared } = await cookiesOf();
    expect(set).toBe(
      `moat_session=${token}; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=Strict`,
    );
    expect(cleared).toMatch(
      /^moat_session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Strict$/,
    );
  });

  it('refuses to write a token that is not base64url (no header injection)', () => {
    const app = Fastify();
    app.get('/', (request, reply) => {
      setSessionCookie(request, reply, `${token}\r\nSet-Cookie: admin=1`, new Date());
      return reply.send('');
    });
    return expect(app.inject({ method: 'GET', url: '/' }).then((r) => r.statusCode)).resolves.toBe(
      500,
    );
  });
});
