/**
 * Every way a registry token can be forged or misused, refused at `Access.require` of the real
 * registry auth: `alg: none`, another key, altered claims, HMAC keyed with our public key, RSA,
 * expired, not yet valid, another audience or issuer, no expiry, a token for one repository used
 * on another, a pull token used to push, garbage.
 */
import { generateKeyPairSync } from 'node:crypto';

import { decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';

import { engines, useCredentialsFixture } from './credentials/test-fixture.js';
import type { RegistryAuth } from './index.js';
import {
  openAuth as open,
  pull,
  push,
  refusal,
  request,
  service,
  team,
} from './test-registry-auth.js';
import { loadTokenKey, type TokenKey } from './token-key.js';
import { signToken } from './tokens.js';
import type { AccessScope } from './types.js';

describe.each(engines)('tampered and misused registry tokens on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);

  /** Alice (a developer of `team`), the registry auth and its signing key. */
  async function setUp(): Promise<{
    auth: RegistryAuth;
    key: TokenKey;
    claims: JWTPayload;
    token: string;
  }> {
    await team(fixture());
    const auth = await open(fixture());
    const key = await loadTokenKey(fixture().meta);
    const { token } = await signToken(key, {
      service,
      subject: 'alice',
      granted: [{ ...pull, actions: ['pull'] }],
      ttlSeconds: 300,
    });
    return { auth, key, claims: decodeJwt(token), token };
  }

  const invalid = async (auth: RegistryAuth, token: string, scope: AccessScope = pull) => {
    const error = await refusal(auth.access.require(request(`Bearer ${token}`), scope));
    expect(error.code).toBe('UNAUTHENTICATED');
    return error.challenge;
  };

  it('accepts the untampered token (the baseline of every case below)', async () => {
    const { auth, token } = await setUp();
    await expect(auth.access.require(request(`Bearer ${token}`), pull)).resolves.toMatchObject({
      name: 'alice',
    });
  });

  it('refuses alg none', async () => {
    const { auth, claims } = await setUp();
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${part({ alg, typ: 'JWT' })}.${part(claims)}.`;
      expect(await invalid(auth, token)).toContain('error="invalid_token"');
    }
  });

  it('refuses a token signed by another key, even with our kid', async () => {
    const { auth, key, claims } = await setUp();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .sign(privateKey);
    expect(await invalid(auth, token)).toContain('error="invalid_token"');
  });

  it('refuses altered claims under the original signature (access widened, subject changed)', async () => {
    const { auth, token } = await setUp();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    for (const altered of [
      {
        ...claims,
        access: [{ type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] }],
      },
      { ...claims, sub: 'root' },
      { ...claims, exp: (claims.exp ?? 0) + 3600 },
    ]) {
      const forged = `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`;
      expect(await invalid(auth, forged, push)).toContain('error="invalid_token"');
    }
  });

  it('refuses an HS256 token whose HMAC key is our public key (PEM, DER or JWK)', async () => {
    const { auth, key, claims } = await setUp();
    const secrets: Buffer[] = [
      Buffer.from(key.publicKey.export({ format: 'pem', type: 'spki' })),
      key.publicKey.export({ format: 'der', type: 'spki' }),
      Buffer.from(JSON.stringify(key.publicKey.export({ format: 'jwk' }))),
    ];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg, kid: key.kid })
          .sign(new Uint8Array(secret));
        expect(await invalid(auth, token)).toContain('error="invalid_token"');
      }
    }
  });

  it('refuses an RS256 token, whatever its kid says', async () => {
    const { auth, key, claims } = await setUp();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .sign(privateKey);
    expect(await invalid(auth, token)).toContain('error="invalid_token"');
  });

  it('refuses an expired token and one not valid yet, beyond the 30 s clock tolerance', async () => {
    const { auth, key } = await setUp();
    const granted = [{ ...pull, actions: ['pull' as const] }];
    const now = Date.now();
    const expired = await signToken(key, {
      service,
      subject: 'alice',
      granted,
      ttlSeconds: 300,
      now: now - 331_000,
    });
    expect(await invalid(auth, expired.token)).toContain('error="invalid_token"');
    const future = await signToken(key, {
      service,
      subject: 'alice',
      granted,
      ttlSeconds: 300,
      now: now + 60_000,
    });
    expect(await invalid(auth, future.token)).toContain('error="invalid_token"');
  });

  it('refuses a token for another audience or from another issuer, and one without exp', async () => {
    const { auth, key, claims } = await setUp();
    const sign = (changes: JWTPayload) =>
      new SignJWT({ ...claims, ...changes })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .sign(key.privateKey);
    expect(await invalid(auth, await sign({ aud: 'other-registry' }))).toContain(
      'error="invalid_token"',
    );
    expect(await invalid(auth, await sign({ iss: 'other-issuer' }))).toContain(
      'error="invalid_token"',
    );
    expect(await invalid(auth, await sign({ aud: [service, 'other'], iss: 'evil' }))).toContain(
      'error="invalid_token"',
    );
    const { exp: _exp, ...withoutExp } = claims;
    const noExp = await new SignJWT(withoutExp)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .sign(key.privateKey);
    expect(await invalid(auth, noExp)).toContain('error="invalid_token"');
  });

  it('refuses a token for one repository on another', async () => {
    const { auth, token } = await setUp();
    const challenge = await invalid(auth, token, { ...pull, name: 'team/other' });
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="repository:team/other:pull"');
  });

  it('refuses a pull token used to push, though the user may push', async () => {
    const { auth, token } = await setUp();
    const challenge = await invalid(auth, token, push);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="repository:team/app:push"');
  });

  it('refuses garbage and over-long tokens', async () => {
    const { auth, token } = await setUp();
    for (const text of [
      'not.a.token',
      'x',
      `${token}x`,
      'a'.repeat(100_000),
      `${token.split('.').slice(0, 2).join('.')}.`,
    ]) {
      expect(await invalid(auth, text)).toContain('error="invalid_token"');
    }
  });
});
