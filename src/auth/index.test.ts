/**
 * The registry's auth on the access model: tokens granted through the authoriser (asking for more
 * yields less), audited; Basic credentials through `Credentials.authenticateRegistry`.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';

import { client, engines, useCredentialsFixture } from './credentials/test-fixture.js';
import {
  basic,
  openAuth as open,
  pull,
  push,
  refusal,
  request,
  service,
  team,
} from './test-registry-auth.js';

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
