/**
 * The registry's audit trail: a manifest push, GET and delete are recorded with the actor, the
 * client address, `repo@digest` (tag in details) and the outcome; HEAD and blob reads are not.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { configs, layer, manifests, type TestContent } from '../../../test/conformance/fixtures.js';
import {
  pushBlob,
  pushManifest,
  startTestRegistry,
  testBackends,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';

describe.each(testBackends)('registry audit (%s)', (backend) => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({}, backend);
  });
  afterAll(async () => {
    await registry.close();
  });

  const config = configs[0] as TestContent;
  const manifest = manifests[0] as TestContent;

  async function entries() {
    await registry.audit.flush();
    return (await registry.audit.query({ limit: 100 }))
      .filter((entry) => entry.action.startsWith('registry.'))
      .map(({ actor, actorKind, clientIp, action, target, outcome, details }) => ({
        actor,
        actorKind,
        clientIp,
        action,
        target,
        outcome,
        details,
      }));
  }

  test('push, pull by tag, HEAD, blob GET and delete by tag leave three entries', async () => {
    expect((await pushBlob(registry, 'team/app', config)).status).toBe(201);
    expect((await pushBlob(registry, 'team/app', layer)).status).toBe(201);
    expect((await pushManifest(registry, 'team/app', 'v1', manifest.content)).status).toBe(201);
    expect((await registry.request('GET', '/v2/team/app/manifests/v1')).status).toBe(200);
    expect((await registry.request('HEAD', '/v2/team/app/manifests/v1')).status).toBe(200);
    expect((await registry.request('GET', `/v2/team/app/blobs/${layer.digest}`)).status).toBe(200);
    expect((await registry.request('DELETE', '/v2/team/app/manifests/v1')).status).toBe(202);
    const target = `team/app@${manifest.digest}`;
    const common = { actor: 'admin', actorKind: 'user', clientIp: '127.0.0.1', target };
    expect(await entries()).toEqual([
      { ...common, action: 'registry.push', outcome: 'success', details: { tag: 'v1' } },
      { ...common, action: 'registry.pull', outcome: 'success', details: { tag: 'v1' } },
      { ...common, action: 'registry.delete', outcome: 'success', details: { tag: 'v1' } },
    ]);
    expect(await registry.audit.verify()).toMatchObject({ ok: true });
  });

  test('a pull of an unknown manifest and a refused push are failures with their code', async () => {
    const before = (await entries()).length;
    expect((await registry.request('GET', '/v2/team/app/manifests/nope')).status).toBe(404);
    const bad = await pushManifest(registry, 'team/app', 'bad', Buffer.from('{'));
    expect(bad.status).toBe(400);
    const unauthenticated = await registry.request('GET', '/v2/team/app/manifests/v1', {
      headers: { authorization: '' },
    });
    expect(unauthenticated.status).toBe(401);
    expect((await entries()).slice(before)).toEqual([
      {
        actor: 'admin',
        actorKind: 'user',
        clientIp: '127.0.0.1',
        action: 'registry.pull',
        target: 'team/app:nope',
        outcome: 'failure',
        details: { tag: 'nope', error: 'MANIFEST_UNKNOWN' },
      },
      {
        actor: 'admin',
        actorKind: 'user',
        clientIp: '127.0.0.1',
        action: 'registry.push',
        target: 'team/app:bad',
        outcome: 'failure',
        details: { tag: 'bad', error: 'MANIFEST_INVALID' },
      },
    ]);
  });

  test('a guest’s refused push is recorded as denied under the guest’s name', async () => {
    const { services } = registry;
    const client = { ip: '127.0.0.1' };
    const admin = await services.identity.getUser('admin');
    const actor = { kind: 'user' as const, name: 'admin', id: admin?.id ?? '', systemAdmin: true };
    await services.projects.createProject(actor, { name: 'guarded', public: false }, client);
    const gina = await services.identity.createUser(
      { username: 'gina', password: 'gina-Password-5520' },
      undefined,
      client,
    );
    await services.projects.setMember(
      actor,
      'guarded',
      { kind: 'user', name: 'gina', role: 'guest' },
      client,
    );
    const { token } = await services.credentials.createToken(
      { kind: 'user', name: 'gina', id: gina.id },
      { name: 'ci', scopes: ['registry:pull', 'registry:push'] },
      client,
    );
    const basic = `Basic ${Buffer.from(`gina:${token}`).toString('base64')}`;
    const refused = await registry.request('PUT', '/v2/guarded/app/manifests/v1', {
      headers: {
        authorization: basic,
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      },
      body: manifest.content,
    });
    expect(refused.status).toBe(403);
    const denied = (await entries()).filter((entry) => entry.outcome === 'denied');
    expect(denied).toEqual([
      {
        actor: 'gina',
        actorKind: 'user',
        clientIp: '127.0.0.1',
        action: 'registry.push',
        target: 'guarded/app:v1',
        outcome: 'denied',
        details: { tag: 'v1', error: 'ACCESS_DENIED' },
      },
    ]);
  });
});
