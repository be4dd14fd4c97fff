/**
 * The registry "done when", end to end against a real `moat serve` with skopeo: pushes
 * with a personal access token and with a robot secret; a guest pulls but may not push; an image
 * labelled `moat.classification=restricted` is refused to a guest without that classification
 * (`DENIED` naming it) and served once the classification is granted; anonymous pulls work only
 * from a public project. The administrator sets everything up through `/api/v1` after enrolling
 * its second factor (codes from `oathtool`).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ApiClient, oathtoolCode } from './access-client.js';
import { requireTools } from './require-tools.js';
import {
  buildUmociImage,
  imageBlobs,
  makeWorkDir,
  mustRun,
  Skopeo,
  type ToolRun,
} from './serve-clients.js';
import { adminPassword, startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo', 'umoci', 'oathtool']);

const guest = { username: 'guest1', password: 'guest1-Password-e2e' };

let work: string;
let server: MoatServer;
let admin: ApiClient;
let layout: string;
/** skopeo logged in as each caller, each with its own auth file. */
let asToken: Skopeo;
let asRobot: Skopeo;
let asGuest: Skopeo;
let anonymous: Skopeo;

/** The administrator's session after enrolling TOTP (the enrolment's code, then the next step's). */
async function enrolledAdmin(): Promise<ApiClient> {
  const enrolling = new ApiClient(server.url);
  await expectOk(enrolling.login('admin', adminPassword));
  const { secret } = (await expectOk(enrolling.post('/users/me/totp'))) as { secret: string };
  await expectOk(enrolling.post('/users/me/totp/confirm', { code: await oathtoolCode(secret) }));
  const session = new ApiClient(server.url);
  await expectOk(session.login('admin', adminPassword, await oathtoolCode(secret, 30)));
  return session;
}

async function expectOk(pending: Promise<{ status: number; body: unknown }>): Promise<unknown> {
  const answer = await pending;
  if (answer.status >= 300)
    throw new Error(`API answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

function skopeoAs(name: string): Skopeo {
  return new Skopeo(join(work, `auth-${name}.json`));
}

beforeAll(async () => {
  work = (await makeWorkDir('access-registry')).dir;
  layout = join(work, 'layout');
  await buildUmociImage(layout, 'app', [{ 'etc/app.conf': 'plain\n' }]);
  await buildUmociImage(layout, 'restricted', [{ 'etc/secret.conf': 'restricted\n' }]);
  await mustRun('umoci', [
    'config',
    '--image',
    `${layout}:restricted`,
    '--config.label',
    'moat.classification=restricted',
  ]);

  server = await startMoatServe();
  admin = await enrolledAdmin();
  await expectOk(admin.post('/users', guest));
  await expectOk(admin.post('/projects', { name: 'team', public: false }));
  await expectOk(admin.post('/projects', { name: 'pub', public: true }));
  await expectOk(admin.put(`/projects/team/members/${guest.username}`, { role: 'guest' }));
  const expiresAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
  const { token } = (await expectOk(
    admin.post('/users/me/tokens', {
      name: 'skopeo',
      scopes: ['registry:pull', 'registry:push'],
      expiresAt,
    }),
  )) as { token: string };
  const robot = (await expectOk(
    admin.post('/projects/team/robots', { name: 'ci', permissions: ['pull', 'push'], expiresAt }),
  )) as { name: string; secret: string };
  expect(robot.name).toBe('robot$team+ci');

  asToken = skopeoAs('token');
  await asToken.login(server.host, { username: 'admin', password: token });
  asRobot = skopeoAs('robot');
  await asRobot.login(server.host, { username: robot.name, password: robot.secret });
  asGuest = skopeoAs('guest');
  await asGuest.login(server.host, guest);
  anonymous = skopeoAs('anonymous');
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** What skopeo printed about a refused copy, lower case. */
const refused = (run: ToolRun) => run.stderr.toLowerCase();

describe('registry access with the access model', () => {
  it('pushes with a personal access token, and the image comes back whole', async () => {
    await asToken.mustCopy(`oci:${layout}:app`, `docker://${server.host}/team/app:1`);
    const out = join(work, 'out-token');
    await asToken.mustCopy(`docker://${server.host}/team/app:1`, `oci:${out}:app`);
    expect(await imageBlobs(out, 'app')).toEqual(await imageBlobs(layout, 'app'));
  });

  it('pushes with a robot secret', async () => {
    await asRobot.mustCopy(`oci:${layout}:app`, `docker://${server.host}/team/robot-app:1`);
    expect(await asRobot.listTags(`${server.host}/team/robot-app`)).toEqual(['1']);
  });

  it('refuses the enrolled administrator’s password at login (the token endpoint)', async () => {
    const withPassword = skopeoAs('admin-password');
    await expect(
      withPassword.login(server.host, { username: 'admin', password: adminPassword }),
    ).rejects.toThrow();
  });

  it('lets a guest pull', async () => {
    const out = join(work, 'out-guest');
    await asGuest.mustCopy(`docker://${server.host}/team/app:1`, `oci:${out}:app`);
    expect(await imageBlobs(out, 'app')).toEqual(await imageBlobs(layout, 'app'));
  });

  it('refuses a guest’s push', async () => {
    const run = await asGuest.copy(`oci:${layout}:app`, `docker://${server.host}/team/guest:1`);
    expect(run.code).not.toBe(0);
    expect(refused(run)).toMatch(/denied|unauthorized|authentication required|401|403/);
    expect((await admin.get('/projects/team')).status).toBe(200);
  });

  it('refuses a labelled image to a member without the classification, naming it', async () => {
    await asToken.mustCopy(`oci:${layout}:restricted`, `docker://${server.host}/team/secret:1`);
    const run = await asGuest.copy(
      `docker://${server.host}/team/secret:1`,
      `oci:${join(work, 'out-refused')}:secret`,
    );
    expect(run.code).not.toBe(0);
    expect(refused(run)).toMatch(/denied/);
    expect(run.stderr).toContain('restricted');
  });

  it('serves the labelled image once the member is granted the classification', async () => {
    await expectOk(
      admin.put(`/projects/team/members/${guest.username}`, {
        role: 'guest',
        classifications: ['restricted'],
      }),
    );
    const out = join(work, 'out-granted');
    await asGuest.mustCopy(`docker://${server.host}/team/secret:1`, `oci:${out}:secret`);
    expect(await imageBlobs(out, 'secret')).toEqual(await imageBlobs(layout, 'restricted'));
  });

  it('lets anyone pull from a public project, and no one anonymous from a private one', async () => {
    await asToken.mustCopy(`oci:${layout}:app`, `docker://${server.host}/pub/app:1`);
    const out = join(work, 'out-anonymous');
    await anonymous.mustCopy(`docker://${server.host}/pub/app:1`, `oci:${out}:app`);
    expect(await imageBlobs(out, 'app')).toEqual(await imageBlobs(layout, 'app'));
    const run = await anonymous.copy(
      `docker://${server.host}/team/app:1`,
      `oci:${join(work, 'out-anonymous-private')}:app`,
    );
    expect(run.code).not.toBe(0);
  });

  it('audits the pushes, pulls and refusals, and the chain verifies', async () => {
    const pushes = (await expectOk(admin.get('/audit?action=registry.push&limit=100'))) as {
      entries: { actor: string; target: string; outcome: string }[];
    };
    expect(pushes.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'admin', outcome: 'success' }),
        expect.objectContaining({ actor: 'robot$team+ci', outcome: 'success' }),
      ]),
    );
    expect(
      pushes.entries.some((entry) => /^team\/app@sha256:[0-9a-f]{64}$/.test(entry.target)),
    ).toBe(true);
    const pulls = (await expectOk(
      admin.get(`/audit?action=registry.pull&actor=${guest.username}&limit=100`),
    )) as { entries: { outcome: string }[] };
    expect(pulls.entries.map((entry) => entry.outcome)).toEqual(
      expect.arrayContaining(['success', 'denied']),
    );
    const verify = await server.admin(['audit', 'verify']);
    expect(verify.code).toBe(0);
  });
});
