import { generateKeyPairSync } from 'node:crypto';

import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';

import type { RequestedScope } from './scope.js';
import { generateTokenKeyPem, tokenKeyFromPem } from './token-key.js';
import { signToken, tokenCovers, verifyToken } from './tokens.js';

const key = tokenKeyFromPem(generateTokenKeyPem());
const service = 'moat-test';
const pullPush = { type: 'repository', name: 'team/app', actions: ['pull', 'push'] } as const;

function issue(
  granted: RequestedScope[] = [{ ...pullPush, actions: [...pullPush.actions] }],
  ttlSeconds = 300,
) {
  return signToken(key, { service, subject: 'admin', granted, ttlSeconds });
}

describe('registry tokens', () => {
  it('carry the Docker token claims and exactly the granted access', async () => {
    const { token, expiresIn, access } = await issue();
    const claims = decodeJwt(token);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: key.kid });
    expect(key.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(claims).toMatchObject({ iss: service, sub: 'admin', aud: service, access });
    expect(access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    expect(claims.exp! - claims.iat!).toBe(expiresIn);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('verify with the key that signed them', async () => {
    const { token } = await issue();
    expect(await verifyToken(key, service, token)).toEqual({
      subject: 'admin',
      access: [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }],
    });
  });

  it('leave out resources granted no action', async () => {
    const { access } = await issue([{ type: 'repository', name: 'a', actions: [] }]);
    expect(access).toEqual([]);
  });

  it('are refused when signed by another key', async () => {
    const other = tokenKeyFromPem(generateTokenKeyPem());
    const { token } = await signToken(other, {
      service,
      subject: 'admin',
      granted: [],
      ttlSeconds: 60,
    });
    expect(await verifyToken(key, service, token)).toBeUndefined();
  });

  it('are refused when expired beyond the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access: [] })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(service)
      .setAudience(service)
      .setSubject('admin')
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 600)
      .sign(key.privateKey);
    expect(await verifyToken(key, service, token)).toBeUndefined();
  });

  it('are valid from issue to expiry, with 30 s of tolerance either side, at the clock given', async () => {
    const issuedAt = Date.UTC(2026, 5, 1);
    const { token } = await signToken(key, {
      service,
      subject: 'admin',
      granted: [],
      ttlSeconds: 300,
      now: issuedAt,
    });
    expect(await verifyToken(key, service, token, issuedAt)).toBeDefined();
    expect(await verifyToken(key, service, token, issuedAt - 30_000)).toBeDefined();
    expect(await verifyToken(key, service, token, issuedAt - 31_000)).toBeUndefined();
    expect(await verifyToken(key, service, token, issuedAt + 329_000)).toBeDefined();
    expect(await verifyToken(key, service, token, issuedAt + 331_000)).toBeUndefined();
  });

  it('are refused with a foreign issuer or audience, each on its own', async () => {
    const claims = (changes: { iss?: string; aud?: string }) =>
      new SignJWT({ access: [] })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(changes.iss ?? service)
        .setAudience(changes.aud ?? service)
        .setSubject('admin')
        .setExpirationTime('5m')
        .sign(key.privateKey);
    expect(await verifyToken(key, service, await claims({}))).toBeDefined();
    expect(await verifyToken(key, service, await claims({ iss: 'other' }))).toBeUndefined();
    expect(await verifyToken(key, service, await claims({ aud: 'other' }))).toBeUndefined();
  });

  it('are refused for another service (issuer or audience)', async () => {
    const { token } = await issue();
    expect(await verifyToken(key, 'other-service', token)).toBeUndefined();
  });

  it('are refused when forged: payload changed, alg none, HMAC with the public key, garbage', async () => {
    const { token } = await issue();
    const [header, , signature] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...decodeJwt(token),
        access: [{ type: 'repository', name: 'other', actions: ['*'] }],
      }),
    ).toString('base64url');
    expect(
      await verifyToken(key, service, `${header}.${forgedPayload}.${signature}`),
    ).toBeUndefined();

    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(await verifyToken(key, service, `${none}.${forgedPayload}.`)).toBeUndefined();

    const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hmac = await new SignJWT({ access: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(service)
      .setAudience(service)
      .setSubject('admin')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicPem));
    expect(await verifyToken(key, service, hmac)).toBeUndefined();

    expect(await verifyToken(key, service, 'not.a.token')).toBeUndefined();
    expect(await verifyToken(key, service, 'x'.repeat(100_000))).toBeUndefined();
  });

  it('are refused when signed with an RSA key whatever the kid says', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT({ access: [] })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(service)
      .setAudience(service)
      .setSubject('admin')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verifyToken(key, service, token)).toBeUndefined();
  });

  it('cover the actions they grant, all of them with *, and nothing else', () => {
    const access = [{ type: 'repository', name: 'a', actions: ['pull'] }];
    expect(tokenCovers(access, { type: 'repository', name: 'a', actions: ['pull'] })).toBe(true);
    expect(tokenCovers(access, { type: 'repository', name: 'a', actions: ['pull', 'push'] })).toBe(
      false,
    );
    expect(tokenCovers(access, { type: 'repository', name: 'b', actions: ['pull'] })).toBe(false);
    const all = [{ type: 'repository', name: 'a', actions: ['*'] }];
    expect(tokenCovers(all, { type: 'repository', name: 'a', actions: ['delete'] })).toBe(true);
    expect(tokenCovers(all, { type: 'registry', name: 'catalog', actions: ['*'] })).toBe(false);
  });

  it('refuse a stored key that is not P-256', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => tokenKeyFromPem(pem)).toThrow(/not a P-256 key/);
    expect(() => tokenKeyFromPem('garbage')).toThrow(/not a private key/);
  });
});
