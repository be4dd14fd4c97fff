/**
 * Test support for the registry auth tests: requests, the registry auth over the credentials
 * fixture's real services, and a small world (a system administrator, the private project `team`
 * and `alice`, a developer in it).
 */
import { expect } from 'vitest';

import { client, type CredentialsFixture } from './credentials/test-fixture.js';
import { openRegistryAuth, type RegistryAuth } from './index.js';
import type { UserPrincipal } from './services.js';
import { AccessError, type AccessRequest, type AccessScope } from './types.js';

/** The token service name of the tests. */
export const service = 'moat';
/** A `Basic` Authorization header. */
export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** A registry request with an optional Authorization header. */
export const request = (authorization?: string): AccessRequest => ({
  headers:
    authorization === undefined
      ? { host: 'registry.test' }
      : { host: 'registry.test', authorization },
  ip: client.ip,
});
/** Pull and push of `team/app`. */
export const pull = {
  type: 'repository',
  name: 'team/app',
  actions: ['pull'],
} satisfies AccessScope;
export const push = {
  type: 'repository',
  name: 'team/app',
  actions: ['push'],
} satisfies AccessScope;

/** The `AccessError` a promise rejects with. */
export async function refusal(promise: Promise<unknown>): Promise<AccessError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AccessError);
  return error as AccessError;
}

/** The registry auth over the fixture's services. */
export function openAuth(fixture: CredentialsFixture): Promise<RegistryAuth> {
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
export async function team(
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
