import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openMetadataStore } from '../store/metadata/open.js';
import { createTestDatabase } from '../store/metadata/test-database.js';
import type { MetadataStore } from '../store/types.js';
import { loadTokenKey } from './token-key.js';
import { signToken } from './tokens.js';
import { AccessError, type AccessRequest, type AccessScope } from './types.js';
import { openRegistryAuth, type RegistryAuthOptions } from './index.js';

let dir: string;
let meta: MetadataStore;
let logs: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-auth-'));
  meta = await openMetadataStore({ kind: 'sqlite', path: join(dir, 'moat.db') });
  logs = [];
});

afterEach(async () => {
  await meta.close();
  await rm(dir, { recursive: true, force: true });
});

function open(overrides: Partial<RegistryAuthOptions> = {}, store = meta) {
  return openRegistryAuth({
    meta: store,
    dataDir: dir,
    realm: '',
    service: 'moat',
    tokenTtlSeconds: 300,
    log: (message) => logs.push(message),
    ...overrides,
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const request = (authorization?: string, host = 'registry.test:5000'): AccessRequest => ({
  headers: authorization === undefined ? { host } : { host, authorization },
  ip: '127.0.0.1',
});
const pull: AccessScope = { type: 'repository', name: 'team/app', actions: ['pull'] };
const pullPush: AccessScope = { type: 'repository', name: 'team/app', actions: ['pull', 'push'] };
const catalog: AccessScope = { type: 'registry', name: 'catalog', actions: ['*'] };

async function refusal(promise: Promise<unknown>): Promise<AccessError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}

describe('the bootstrap administrator', () => {
  it('gets a generated password at first start, shown once with the agreed line', async () => {
    const auth = await open();
    expect(logs).toHaveLength(1);
    const password = /^created user admin with password (\S+) \(shown once\)$/.exec(logs[0]!)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    expect(auth.adminPassword).toBe(password);
    expect(await auth.authenticate({ username: 'admin', password: password! })).toEqual({
      kind: 'user',
      name: 'admin',
    });

    const again = await open();
    expect(logs).toHaveLength(1);
    expect(again.adminPassword).toBeUndefined();
    expect(await again.authenticate({ username: 'admin', password: password! })).toBeDefined();
  });

  it('takes MOAT_ADMIN_PASSWORD at first start and never logs it', async () => {
    const auth = await open({ adminPassword: 'from-the-environment' });
    expect(logs).toEqual([]);
    expect(auth.adminPassword).toBeUndefined();
    expect(
      await auth.authenticate({ username: 'admin', password: 'from-the-environment' }),
    ).toBeDefined();
  });

  it('keeps the stored password when a later MOAT_ADMIN_PASSWORD differs, with a warning without it', async () => {
    await open({ adminPassword: 'first-password' });
    const later = await open({ adminPassword: 'second-password' });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^warning: MOAT_ADMIN_PASSWORD differs/);
    expect(logs[0]).not.toContain('second-password');
    expect(logs[0]).not.toContain('first-password');
    expect(
      await later.authenticate({ username: 'admin', password: 'first-password' }),
    ).toBeDefined();
    expect(
      await later.authenticate({ username: 'admin', password: 'second-password' }),
    ).toBeUndefined();
  });

  it('gives the same answer for a wrong password and an unknown user', async () => {
    const auth = await open({ adminPassword: 'right' });
    expect(await auth.authenticate({ username: 'admin', password: 'wrong' })).toBeUndefined();
    expect(await auth.authenticate({ username: 'nobody', password: 'right' })).toBeUndefined();
    expect(await auth.authenticateBasic(basic('admin', 'wrong'))).toBeUndefined();
    expect(await auth.authenticateBasic(basic('nobody', 'right'))).toBeUndefined();
    expect(await auth.authenticateBasic('Basic %%%')).toBeUndefined();
  });

  it('is the same for two processes starting at once on one store, with one key', async () => {
    const second = await openMetadataStore({ kind: 'sqlite', path: join(dir, 'moat.db') });
    try {
      const [a, b] = await Promise.all([open(), open({}, second)]);
      const created = logs.filter((line) => line.startsWith('created user admin'));
      expect(created).toHaveLength(1);
      const password = (a.adminPassword ?? b.adminPassword)!;
      expect(await a.authenticate({ username: 'admin', password })).toBeDefined();
      expect(await b.authenticate({ username: 'admin', password })).toBeDefined();
      // A token one process issues is accepted by the other.
      const { token } = await a.issueToken({ kind: 'user', name: 'admin' }, [
        { ...pull, actions: ['pull'] },
      ]);
      await expect(b.access.require(request(`Bearer ${token}`), pull)).resolves.toEqual({
        kind: 'user',
        name: 'admin',
      });
    } finally {
      await second.close();
    }
  });
});

describe('the administrator and the signing key on PostgreSQL', () => {
  it('are created once when several processes start at once, and shared by all of them', async () => {
    const database = await createTestDatabase();
    const stores = await Promise.all(
      Array.from({ length: 3 }, () => openMetadataStore({ kind: 'postgres', url: database.url })),
    );
    try {
      const auths = await Promise.all(stores.map((store) => open({}, store)));
      expect(logs.filter((line) => line.startsWith('created user admin'))).toHaveLength(1);
      const password = auths.map((auth) => auth.adminPassword).find((pw) => pw !== undefined)!;
      const admin = { kind: 'user', name: 'admin' } as const;
      for (const issuer of auths) {
        const { token } = await issuer.issueToken(admin, [{ ...pull, actions: ['pull'] }]);
        for (const verifier of auths) {
          await expect(verifier.access.require(request(`Bearer ${token}`), pull)).resolves.toEqual(
            admin,
          );
          expect(await verifier.authenticate({ username: 'admin', password })).toEqual(admin);
        }
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await database.drop();
    }
  });
});

describe('Access.require', () => {
  it('challenges a request without credentials with the scope it needs', async () => {
    const auth = await open({ adminPassword: 'pw' });
    const error = await refusal(auth.access.require(request(), pullPush));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.challenge).toBe(
      'Bearer realm="http://registry.test:5000/auth/token",service="moat",scope="repository:team/app:pull,push"',
    );
    const forCatalog = await refusal(auth.access.require(request(), catalog));
    expect(forCatalog.challenge).toBe(
      'Bearer realm="http://registry.test:5000/auth/token",service="moat",scope="registry:catalog:*"',
    );
  });

  it('uses the configured realm, and never copies a hostile Host into the challenge', async () => {
    const configured = await open({ adminPassword: 'pw', realm: 'https://reg.example/auth/token' });
    expect((await refusal(configured.access.require(request(), pull))).challenge).toContain(
      'realm="https://reg.example/auth/token"',
    );
    const derived = await open({ adminPassword: 'pw' });
    const hostile = request(undefined, 'evil"\r\nX-Injected: 1');
    const challenge = (await refusal(derived.access.require(hostile, pull))).challenge!;
    expect(challenge).toContain('realm="/auth/token"');
    expect(challenge).not.toMatch(/[\r\n]|evil/);
  });

  it('accepts the administrator with Basic, and refuses a wrong password alike for any user', async () => {
    const auth = await open({ adminPassword: 'pw' });
    await expect(auth.access.require(request(basic('admin', 'pw')), pullPush)).resolves.toEqual({
      kind: 'user',
      name: 'admin',
    });
    for (const header of [basic('admin', 'nope'), basic('root', 'pw'), 'Digest x', 'Basic']) {
      const error = await refusal(auth.access.require(request(header), pull));
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.message).not.toContain('pw');
    }
  });

  it('accepts a token that covers the scope and answers 401 insufficient_scope to one that does not', async () => {
    const auth = await open({ adminPassword: 'pw' });
    const admin = { kind: 'user', name: 'admin' } as const;
    const { token } = await auth.issueToken(admin, [{ ...pull, actions: ['pull'] }]);
    await expect(auth.access.require(request(`Bearer ${token}`), pull)).resolves.toEqual(admin);
    const lacking = await refusal(auth.access.require(request(`Bearer ${token}`), pullPush));
    expect(lacking.code).toBe('UNAUTHENTICATED');
    expect(lacking.challenge).toBe(
      'Bearer realm="http://registry.test:5000/auth/token",service="moat",scope="repository:team/app:pull,push",error="insufficient_scope"',
    );
    const other = await refusal(
      auth.access.require(request(`Bearer ${token}`), { ...pull, name: 'team/other' }),
    );
    expect(other.challenge).toContain('error="insufficient_scope"');
  });

  it('authenticates GET /v2/ (no action) with Basic or any token of a user, challenging without a scope', async () => {
    const auth = await open({ adminPassword: 'pw' });
    const base: AccessScope = { type: 'repository', name: '', actions: [] };
    const error = await refusal(auth.access.require(request(), base));
    expect(error.challenge).toBe(
      'Bearer realm="http://registry.test:5000/auth/token",service="moat"',
    );
    await expect(auth.access.require(request(basic('admin', 'pw')), base)).resolves.toBeDefined();
    // docker login: a token asked for without any scope.
    const { token } = await auth.issueToken({ kind: 'user', name: 'admin' }, []);
    await expect(auth.access.require(request(`Bearer ${token}`), base)).resolves.toEqual({
      kind: 'user',
      name: 'admin',
    });
    const anonymous = await auth.issueToken({ kind: 'anonymous', name: '' }, []);
    const refused = await refusal(auth.access.require(request(`Bearer ${anonymous.token}`), base));
    expect(refused.code).toBe('UNAUTHENTICATED');
  });

  it('derives an https realm for a request that came over TLS', async () => {
    const auth = await open({ adminPassword: 'pw' });
    const tls = { ...request(), protocol: 'https' } as const;
    expect((await refusal(auth.access.require(tls, pull))).challenge).toContain(
      'realm="https://registry.test:5000/auth/token"',
    );
  });

  it('gives anonymous principals a token that grants nothing', async () => {
    const auth = await open({ adminPassword: 'pw' });
    const issued = await auth.issueToken({ kind: 'anonymous', name: '' }, [
      { ...pull, actions: ['pull'] },
    ]);
    expect(issued.access).toEqual([]);
    const error = await refusal(auth.access.require(request(`Bearer ${issued.token}`), pull));
    expect(error.code).toBe('UNAUTHENTICATED');
  });

  it('answers invalid_token to a token signed by another registry', async () => {
    const auth = await open({ adminPassword: 'pw' });
    const otherDir = await mkdtemp(join(tmpdir(), 'moat-auth-other-'));
    const otherMeta = await openMetadataStore({ kind: 'sqlite', path: join(otherDir, 'moat.db') });
    try {
      const other = await open({ adminPassword: 'pw' }, otherMeta);
      const { token } = await other.issueToken({ kind: 'user', name: 'admin' }, [
        { ...pull, actions: ['pull'] },
      ]);
      const error = await refusal(auth.access.require(request(`Bearer ${token}`), pull));
      expect(error.challenge).toContain('error="invalid_token"');
    } finally {
      await otherMeta.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('denies (403) a principal the policy refuses even with a token that covers the scope', async () => {
    const auth = await open({ adminPassword: 'pw' });
    const key = await loadTokenKey(meta);
    const { token } = await signToken(key, {
      service: 'moat',
      subject: 'bob',
      granted: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
      ttlSeconds: 60,
    });
    const error = await refusal(auth.access.require(request(`Bearer ${token}`), pull));
    expect(error.code).toBe('ACCESS_DENIED');
  });
});
