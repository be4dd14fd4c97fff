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

  it('filters by actor, action, outcome, target (exact or prefix with *) and time', async () => {
    let clock = 1_000;
    const secrets = await openSecretBox({ database: env.database, masterKey });
    const audit = await openAuditLog({ database: env.database, secrets, now: () => clock });
    audit.record(event({ actor: 'alice', target: 'team/app@sha256:1' }));
    clock = 2_000;
    audit.record(event({ actor: 'bob', action: 'registry.push', target: 'team/api@sha256:2' }));
    clock = 3_000;
    audit.record(event({ actor: 'bob', outcome: 'denied', target: 'other/app@sha256:3' }));
    await audit.flush();
    const seqs = async (filter: Parameters<typeof audit.query>[0]) =>
      (await audit.query(filter)).map((e) => e.seq);
    expect(await seqs({ limit: 10, actor: 'bob' })).toEqual([2, 3]);
    expect(await seqs({ limit: 10, action: 'registry.push' })).toEqual([2]);
    expect(await seqs({ limit: 10, outcome: 'denied' })).toEqual([3]);
    expect(await seqs({ limit: 10, target: 'team/app@sha256:1' })).toEqual([1]);
    expect(await seqs({ limit: 10, target: 'team/*' })).toEqual([1, 2]);
    expect(await seqs({ limit: 10, target: 'team/' })).toEqual([]);
    expect(await seqs({ limit: 10, since: new Date(2_000) })).toEqual([2, 3]);
    expect(await seqs({ limit: 10, until: new Date(2_000) })).toEqual([1]);
    expect(await seqs({ limit: 10, afterSeq: 1 })).toEqual([2, 3]);
    expect(await seqs({ limit: 1, afterSeq: 1 })).toEqual([2]);
    expect((await audit.query({ limit: 1 }))[0]?.time).toEqual(new Date(1_000));
  });

  it('treats SQL-shaped, NUL and prefix-wildcard filter values as plain text', async () => {
    const audit = await open();
    audit.record(event({ target: "x' or '1'='1" }));
    audit.record(event({ target: 'a%b_c' }));
    await audit.flush();
    expect(await audit.query({ limit: 10, target: "' or '1'='1" })).toEqual([]);
    expect(await audit.query({ limit: 10, actor: "alice' --" })).toEqual([]);
    expect((await audit.query({ limit: 10, target: 'a%*' })).map((e) => e.target)).toEqual([
      'a%b_c',
    ]);
    expect(await audit.query({ limit: 10, target: 'a_*' })).toEqual([]);
  });

  it('stores hostile text bounded and well formed, and the chain still verifies', async () => {
    const audit = await open();
    const hostile = [
      "robert'); drop table audit_log; --",
      '../../etc/passwd',
      'аdmin',
      'nul\0byte',
      'lone \ud800 surrogate',
      '🚢'.repeat(2000),
    ];
    for (const text of hostile) {
      audit.record(event({ actor: text, target: text, details: { [text]: text } }));
    }
    await audit.flush();
    const entries = await audit.query({ limit: 100 });
    expect(entries).toHaveLength(hostile.length);
    for (const entry of entries) {
      expect(entry.actor.length).toBeLessThanOrEqual(256);
      expect(entry.target.length).toBeLessThanOrEqual(1024);
      expect(entry.actor).not.toContain('\0');
    }
    expect(entries[0]?.actor).toBe(hostile[0]);
    expect(entries[2]?.actor).toBe('аdmin');
    expect(entries[3]?.actor).toBe('nul\ufffdbyte');
    expect(entries[4]?.actor).toBe('lone \ufffd surrogate');
    expect(await audit.verify()).toEqual({ ok: true, entries: hostile.length });
  });

  it('exports every matching entry in order across pages', async () => {
    const audit = await open();
    for (let i = 0; i < 1_203; i++) audit.record(event({ actor: i % 3 === 0 ? 'carol' : 'dave' }));
    await audit.flush();
    const seen: number[] = [];
    for await (const entry of audit.entries({ actor: 'carol' })) seen.push(entry.seq);
    expect(seen).toEqual(Array.from({ length: 401 }, (_, i) => 1 + 3 * i));
    expect(await audit.query({ limit: 5_000 })).toHaveLength(1_000);
    expect(await audit.verify()).toEqual({ ok: true, entries: 1_203 });
  });

  it('opens with the same chain key in every process, created once', async () => {
    const [a, b] = await Promise.all([open(), open(await env.openSecond())]);
    a.record(event());
    await a.flush();
    b.record(event());
    await b.flush();
    expect(await a.verify()).toEqual({ ok: true, entries: 2 });
    const keys = await env.database.db
      .selectFrom('secrets')
      .select('purpose')
      .where('purpose', '=', 'audit-chain-key')
      .execute();
    expect(keys).toHaveLength(1);
  });
});
