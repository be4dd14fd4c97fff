import { randomBytes } from 'node:crypto';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { AuditEvent } from '../model.js';
import { openSecretBox } from '../secrets/box.js';
import { engineFixture, engines, type EngineFixture } from '../secrets/test-stores.js';
import { openAuditLog } from './log.js';

const masterKey = randomBytes(32).toString('hex');

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    actor: 'alice',
    actorKind: 'user',
    clientIp: '10.0.0.1',
    action: 'registry.pull',
    target: 'team/app@sha256:' + 'ab'.repeat(32),
    outcome: 'success',
    ...overrides,
  };
}

describe.each(engines)('audit log on %s', (engine) => {
  const fixture = engineFixture(engine);
  let env: EngineFixture;
  beforeAll(() => fixture.setUpFile());
  afterAll(() => fixture.tearDownFile());
  beforeEach(async () => {
    env = await fixture.start();
  });
  afterEach(() => fixture.stop());

  async function open(database = env.database) {
    const secrets = await openSecretBox({ database, masterKey });
    return openAuditLog({ database, secrets });
  }

  it('records events and makes them durable on flush, chained from the first', async () => {
    const audit = await open();
    audit.record(event({ details: { tag: 'v1' } }));
    audit.record(event({ action: 'registry.push', outcome: 'failure' }));
    await audit.flush();
    const entries = await audit.query({ limit: 10 });
    expect(entries.map((e) => [e.seq, e.action, e.outcome])).toEqual([
      [1, 'registry.pull', 'success'],
      [2, 'registry.push', 'failure'],
    ]);
    expect(entries[0]?.prevHash).toBe('');
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
    expect(entries[0]?.details).toEqual({ tag: 'v1' });
    expect(await audit.verify()).toEqual({ ok: true, entries: 2 });
  });

  it('keeps one gapless chain when two processes append at once', async () => {
    const a = await open();
    const b = await open(await env.openSecond());
    for (let i = 0; i < 60; i++) {
      a.record(event({ actor: `a${i}` }));
      b.record(event({ actor: `b${i}` }));
      if (i % 20 === 0) await Promise.all([a.flush(), b.flush()]);
    }
    await Promise.all([a.flush(), b.flush()]);
    const entries = await a.query({ limit: 1000 });
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(await b.verify()).toEqual({ ok: true, entries: 120 });
  });
});
