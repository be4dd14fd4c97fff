/**
 * The first "done when", end to end against a real `moat serve`: the bootstrap
 * administrator logs in with its password, can do nothing but enrol a second factor, enrols TOTP
 * with codes that `oathtool` computes from the returned secret; from then on a login needs a code,
 * a code works once (also across the ±1 step window), a recovery code works once, and the
 * password no longer works at the registry's token endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ApiClient, errorCode, oathtoolCode } from './access-client.js';
import { requireTools } from './require-tools.js';
import { adminPassword, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['oathtool']);

let server: MoatServer;

beforeAll(async () => {
  server = await startMoatServe();
});

afterAll(async () => {
  await server?.stop();
});

/** `GET /auth/token` with Basic credentials, as docker and skopeo ask. */
async function registryTokenStatus(username: string, password: string): Promise<number> {
  const basic = Buffer.from(`${username}:${password}`).toString('base64');
  const response = await fetch(`${server.url}/auth/token?scope=repository:team/app:pull`, {
    headers: { authorization: `Basic ${basic}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the bootstrap administrator enrols a second factor', () => {
  const session = () => new ApiClient(server.url);
  let enrolling: ApiClient;
  let secret: string;
  let recoveryCodes: string[];
  let nextStepCode: string;

  it('logs in with its password into a session that must enrol first', async () => {
    enrolling = session();
    const answer = await enrolling.login('admin', adminPassword);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      mustEnrolTwoFactor: true,
      user: { username: 'admin', systemAdmin: true },
    });
    const cookie = answer.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^moat_session=[A-Za-z0-9_-]+;/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    // Over plain HTTP the cookie cannot be Secure (the browser would never send it back).
    expect(cookie).not.toMatch(/Secure/);
  });

  it('can do nothing but enrol until then', async () => {
    const users = await enrolling.get('/users');
    expect(users.status).toBe(403);
    expect(errorCode(users)).toBe('TWO_FACTOR_REQUIRED');
    const me = await enrolling.get('/users/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'admin', mustEnrolTwoFactor: true });
  });

  it('refuses a cookie-authenticated write without the CSRF token', async () => {
    const answer = await enrolling.send('POST', '/users/me/totp', undefined, { withCsrf: false });
    expect(answer.status).toBe(403);
    expect(errorCode(answer)).toBe('CSRF_INVALID');
  });

  it('gets a base32 secret, an otpauth URI and a QR code as SVG', async () => {
    const answer = await enrolling.post('/users/me/totp');
    expect(answer.status).toBe(200);
    const body = answer.body as { secret: string; otpauthUri: string; qrSvg: string };
    expect(body.secret).toMatch(/^[A-Z2-7]{16,}=*$/);
    expect(body.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*[?&]secret=[A-Z2-7]+/);
    expect(body.otpauthUri).toContain(`secret=${body.secret.replace(/=+$/, '')}`);
    expect(body.qrSvg).toMatch(/<svg[\s\S]*<\/svg>\s*$/);
    secret = body.secret;
  });

  it('does not activate on a code outside the ±1 step window', async () => {
    const late = await enrolling.post('/users/me/totp/confirm', {
      code: await oathtoolCode(secret, 300),
    });
    expect(late.status).toBeGreaterThanOrEqual(400);
    expect((await enrolling.get('/users/me')).body).toMatchObject({ totpEnabled: false });
  });

  it('activates with the current code from oathtool and returns 10 recovery codes', async () => {
    const answer = await enrolling.post('/users/me/totp/confirm', {
      code: await oathtoolCode(secret),
    });
    expect(answer.status).toBe(200);
    recoveryCodes = (answer.body as { recoveryCodes: string[] }).recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await enrolling.get('/users/me')).body).toMatchObject({
      totpEnabled: true,
      mustEnrolTwoFactor: false,
    });
  });

  it('no longer accepts the password at the registry token endpoint', async () => {
    expect(await registryTokenStatus('admin', adminPassword)).toBe(401);
  });

  it('refuses a login without a code', async () => {
    const answer = await session().login('admin', adminPassword);
    expect(answer.status).toBe(401);
    expect(errorCode(answer)).toBe('TWO_FACTOR_REQUIRED');
  });

  it('refuses a code outside the window (five minutes ahead)', async () => {
    const answer = await session().login('admin', adminPassword, await oathtoolCode(secret, 300));
    expect(answer.status).toBe(401);
    expect(errorCode(answer)).toBe('TWO_FACTOR_REQUIRED');
  });

  it('logs in with the next step’s code, into a session that may do everything', async () => {
    // The enrolment used the current step; the next one is inside the ±1 window and unused.
    nextStepCode = await oathtoolCode(secret, 30);
    const admin = session();
    const answer = await admin.login('admin', adminPassword, nextStepCode);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ mustEnrolTwoFactor: false });
    expect((await admin.get('/users')).status).toBe(200);
  });

  it('refuses the same code a second time', async () => {
    const answer = await session().login('admin', adminPassword, nextStepCode);
    expect(answer.status).toBe(401);
    expect(errorCode(answer)).toBe('TWO_FACTOR_REQUIRED');
  });

  it('refuses the previous step’s code once a later step was used (no replay across the window)', async () => {
    const answer = await session().login('admin', adminPassword, await oathtoolCode(secret, -30));
    expect(answer.status).toBe(401);
  });

  it('accepts a recovery code once', async () => {
    const code = recoveryCodes[0] ?? '';
    const first = await session().login('admin', adminPassword, code);
    expect(first.status).toBe(200);
    const again = await session().login('admin', adminPassword, code);
    expect(again.status).toBe(401);
    expect(errorCode(again)).toBe('TWO_FACTOR_REQUIRED');
  });

  it('ends the session at logout', async () => {
    const admin = session();
    expect((await admin.login('admin', adminPassword, recoveryCodes[1])).status).toBe(200);
    expect((await admin.get('/users/me')).status).toBe(200);
    expect((await admin.post('/logout')).status).toBeLessThan(300);
    expect((await admin.get('/users/me')).status).toBe(401);
  });
});
