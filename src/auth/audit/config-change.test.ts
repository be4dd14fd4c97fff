import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { loadServeConfig } from '../../server/config.js';
import { openSecretBox } from '../secrets/box.js';
import { engineFixture, engines, type EngineFixture } from '../secrets/test-stores.js';
import { auditedConfiguration, recordConfigurationChange } from './config-change.js';
import { openAuditLog } from './log.js';

const masterKey = randomBytes(32).toString('hex');
let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'moat-config-change-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function configWith(env: Record<string, string>) {
  return loadServeConfig({ flags: { data: join(cwd, 'data') }, env, cwd });
}

describe.each(engines)('config.change on %s', (engine) => {
  const fixture = engineFixture(engine);
  let env: EngineFixture;
  beforeAll(() => fixture.setUpFile());
  afterAll(() => fixture.tearDownFile());
  beforeEach(async () => {
    env = await fixture.start();
  });
  afterEach(() => fixture.stop());

  it('records the first start, nothing when unchanged, and the changed keys after', async () => {
    const secrets = await openSecretBox({ database: env.database, masterKey });
    const audit = await openAuditLog({ database: env.database, secrets });
    const record = (vars: Record<string, string>) =>
      recordConfigurationChange(env.database, audit, auditedConfiguration(configWith(vars)));
    await record({});
    await record({});
    await record({ MOAT_AUTH_LOCKOUT_THRESHOLD: '9', MOAT_ADMIN_PASSWORD: 'never-Stored-4411' });
    await audit.flush();
    const entries = await audit.query({ limit: 10, action: 'config.change' });
    expect(entries.map((entry) => entry.details)).toEqual([
      { initial: true },
      { 'auth.lockoutThreshold': '5 → 9' },
    ]);
    const stored = await env.database.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'audit.config')
      .executeTakeFirstOrThrow();
    expect(stored.value).not.toContain('never-Stored');
    expect(await audit.verify()).toEqual({ ok: true, entries: 2 });
  });
});
