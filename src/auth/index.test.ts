/**
 * The registry's auth on the access model: tokens granted through the authoriser (asking for more
 * yields less), audited; Basic credentials through `Credentials.authenticateRegistry`; and every
 * way a registry token can be forged or misused, refused at `Access.require`.
 */
import { generateKeyPairSync } from 'node:crypto';

import { decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';

import {
  client,
  engines,
  useCredentialsFixture,
  type CredentialsFixture,
} from './credentials/test-fixture.js';
import { openRegistryAuth, type RegistryAuth } from './index.js';
import type { UserPrincipal } from './services.js';
import { loadTokenKey, type TokenKey } from './token-key.js';
import { signToken } from './tokens.js';
import { AccessError, type AccessRequest, type AccessScope } from './types.js';

const service = 'moat';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const request = (authorization?: string): AccessRequest => ({
  headers:
    authorization === undefined
      ? { host: 'registry.test' }
      : { host: 'registry.test', authorization },
  ip: client.ip,
});
const pull = { type: 'repository', name: 'team/app', actions: ['pull'] } satisfies AccessScope;
const push = { type: 'repository', name: 'team/app', actions: ['push'] } satisfies AccessScope;

async function refusal(promise: Promise<unknown>): Promise<AccessError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}

function open(fixture: CredentialsFixture): Promise<RegistryAuth> {
  return openRegistryAuth({
    meta: fixture.meta,
    credentials: fixture.credentials,
    authorizer: fixture.authorizer,
    audit: fixture.audit,
    realm: '',
    service,
    tokenTtlSeconds: 300,
  });
}

/** A system administrator, the private project `team` and `alice`, a developer in it. */
async function team(
  fixture: CredentialsFixture,
): Promise<{ root: UserPrincipal; alice: UserPrincipal }> {
  const root = await fixture.createUser('root', { systemAdmin: true });
  const alice = await fixture.createUser('alice');
  await fixture.projects.createProject(root, { name: 'team', public: false }, client);
  await fixture.projects.setMember(
    root,
    'team',
    { kind: 'user', name: 'alice', role: 'developer' },
    client,
  );
  return { root, alice };
}

describe.each(engines)('registry auth on %s', (engine) => {
  const fixture = useCredentialsFixture(engine);

  it('grants a token what the principal may do of what it asked, in the order asked, and audits it', async () => {
    const { alice } = await team(fixture());
    const auth = await open(fixture());
    const issued = await auth.issueToken(
      { ...alice, via: 'password' },
      [
        { type: 'repository', name: 'team/app', actions: ['delete', 'push', 'pull'] },
        { type: 'repository', name: 'other/app', actions: ['pull'] },
        { type: 'registry', name: 'catalog', actions: ['*'] },
      ],
      client,
    );
    expect(issued.access).toEqual([
      { type: 'repository', name: 'team/app', actions: ['push', 'pull'] },
    ]);
    expect(decodeJwt(issued.token)).toMatchObject({ sub: 'alice', iss: service, aud: service });
    const [entry] = (await fixture().events()).filter((e) => e.action === 'auth.token');
    expect(entry).toMatchObject({
      actor: 'alice',
      actorKind: 'user',
      clientIp: client.ip,
      outcome: 'success',
      target: 'repository:team/app:delete,push,pull repository:other/app:pull registry:catalog:*',
      details: { granted: 'repository:team/app:push,pull', via: 'password' },
    });
  });

  it('answers a repository that does not exist exactly as one the principal may not use', async () => {
    const { root, alice } = await team(fixture());
    await fixture().projects.createProject(root, { name: 'secret', public: false }, client);
    const auth = await open(fixture());
    const ask = (name: string) =>
      auth.issueToken(alice, [{ type: 'repository', name, actions: ['pull'] }], client);
    expect((await ask('secret/app')).access).toEqual([]);
    expect((await ask('nothing/app')).access).toEqual([]);
  });

  it('caps a personal access token by its scopes', async () => {
    const { alice } = await team(fixture());
    const { token } = await fixture().credentials.createToken(
      alice,
      { name: 'ro', scopes: ['registry:pull'] },
      client,
    );
    const auth = await open(fixture());
    const principal = await auth.authenticateBasic(basic('alice', token), client);
    expect(principal).toMatchObject({ via: 'pat', tokenScopes: ['registry:pull'] });
    const issued = await auth.issueToken(
      principal!,
      [{ ...pull, actions: ['pull', 'push'] }],
      client,
    );
    expect(issued.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    await expect(auth.access.require(request(basic('alice', token)), pull)).resolves.toBeDefined();
    expect((await refusal(auth.access.require(request(basic('alice', token)), push))).code).toBe(
      'ACCESS_DENIED',
    );
  });

  it('stops taking a revoked token or a rotated robot secret at once, even over Basic', async () => {
    const { root, alice } = await team(fixture());
    const { credentials } = fixture();
    const auth = await open(fixture());
    const { token, info } = await credentials.createToken(
      alice,
      { name: 'ci', scopes: ['registry:pull'] },
      client,
    );
    const { secret } = await credentials.createRobot(
      root,
      { name: 'ci', project: 'team', permissions: [{ project: 'team', actions: ['pull'] }] },
      client,
    );
    await expect(auth.access.require(request(basic('alice', token)), pull)).resolves.toBeDefined();
    await expect(
      auth.access.require(request(basic('robot$team+ci', secret)), pull),
    ).resolves.toBeDefined();
    await credentials.revokeToken(alice, info.id, client);
    await credentials.rotateRobotSecret(root, 'robot$team+ci', client);
    expect((await refusal(auth.access.require(request(basic('alice', token)), pull))).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await refusal(auth.access.require(request(basic('robot$team+ci', secret)), pull))).code,
    ).toBe('UNAUTHENTICATED');
  });

  it('gives a robot exactly its permissions', async () => {
    const { root } = await team(fixture());
    const { secret } = await fixture().credentials.createRobot(
      root,
      { name: 'ci', project: 'team', permissions: [{ project: 'team', actions: ['push'] }] },
      client,
    );
    const auth = await open(fixture());
    const robot = await auth.authenticateBasic(basic('robot$team+ci', secret), client);
    const issued = await auth.issueToken(
      robot!,
      [
        { ...pull, actions: ['pull', 'push', 'delete'] },
        { type: 'repository', name: 'other/x', actions: ['push'] },
      ],
      client,
    );
    expect(issued.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['push'] }]);
    await expect(
      auth.access.require(request(`Bearer ${issued.token}`), push),
    ).resolves.toMatchObject({ kind: 'robot', via: 'token' });
  });

  it('refuses the password of an administrator who must enrol a second factor, alike to a wrong one', async () => {
    await team(fixture());
    const auth = await open(fixture());
    const { passwordOf } = await import('./credentials/test-fixture.js');
    expect(
      await auth.authenticate({ username: 'root', password: passwordOf('root') }, client),
    ).toBeUndefined();
    expect(
      await auth.authenticate({ username: 'alice', password: passwordOf('alice') }, client),
    ).toMatchObject({ name: 'alice', via: 'password' });
  });

  it('shares one signing key between processes on one database', async () => {
    const { alice } = await team(fixture());
    const [a, b] = await Promise.all([open(fixture()), open(fixture())]);
    const { token } = await a.issueToken(alice, [pull], client);
    await expect(b.access.require(request(`Bearer ${token}`), pull)).resolves.toMatchObject({
      name: 'alice',
    });
  });
});

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
