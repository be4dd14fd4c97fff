import { createHash, randomBytes } from 'node:crypto';

import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { AuditLog, AuditVerification } from '../services.js';
import { openSecretBox } from '../secrets/box.js';
import { engineFixture, engines, type EngineFixture } from '../secrets/test-stores.js';
import { openAuditLog } from './log.js';

const masterKey = randomBytes(32).toString('hex');

function reasonOf(result: AuditVerification): string {
  return result.ok ? '' : result.reason;
}

// Each case edits the table (or the head) with raw SQL, as someone with database access would.
describe.each(engines)('audit chain tampering on %s', (engine) => {
  const fixture = engineFixture(engine);
  let env: EngineFixture;
  let audit: AuditLog;
  beforeAll(() => fixture.setUpFile());
  afterAll(() => fixture.tearDownFile());
  beforeEach(async () => {
    env = await fixture.start();
    const secrets = await openSecretBox({ database: env.database, masterKey });
    audit = await openAuditLog({ database: env.database, secrets });
    for (let i = 1; i <= 5; i++) {
      audit.record({
        actor: `user${i}`,
        actorKind: 'user',
        clientIp: '192.0.2.1',
        action: 'member.set',
        target: `project:team${i}`,
        outcome: 'success',
        details: { role: 'developer' },
      });
    }
    await audit.flush();
    expect(await audit.verify()).toEqual({ ok: true, entries: 5 });
  });
  afterEach(() => fixture.stop());

  const run = (query: ReturnType<typeof sql>) => query.execute(env.database.db);

  it('names an edited field', async () => {
    await run(sql`update audit_log set target = 'project:other' where seq = 3`);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 3, entries: 2 });
    expect(reasonOf(result)).toContain('altered');
  });

  it('names an edited outcome, time or details', async () => {
    await run(sql`update audit_log set details = '{"role":"projectAdmin"}' where seq = 4`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
    await run(sql`update audit_log set time = time + 1 where seq = 2`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
    await run(sql`update audit_log set outcome = 'failure' where seq = 1`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 1 });
  });

  it('names an entry deleted from the middle', async () => {
    await run(sql`delete from audit_log where seq = 3`);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect(reasonOf(result)).toContain('missing');
  });

  it('notices entries deleted from the end through the chain head', async () => {
    await run(sql`delete from audit_log where seq >= 4`);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(reasonOf(result)).toContain('4 to 5 are missing');
  });

  it('notices that every entry was deleted', async () => {
    await run(sql`delete from audit_log`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 1 });
  });

  it('keeps the gap visible when entries deleted from the end are followed by new ones', async () => {
    await run(sql`delete from audit_log where seq = 5`);
    audit.record({
      actor: 'later',
      actorKind: 'system',
      clientIp: '',
      action: 'config.change',
      target: 'x',
      outcome: 'success',
    });
    await audit.flush();
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('names two swapped entries (reordered)', async () => {
    await run(sql`update audit_log set seq = 100 where seq = 2`);
    await run(sql`update audit_log set seq = 2 where seq = 3`);
    await run(sql`update audit_log set seq = 3 where seq = 100`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('names an entry inserted in the middle (later ones renumbered)', async () => {
    await run(sql`update audit_log set seq = seq + 10 where seq >= 3`);
    await run(sql`update audit_log set seq = seq - 9 where seq >= 13`);
    const two = await env.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 2)
      .executeTakeFirstOrThrow();
    await env.database.db
      .insertInto('audit_log')
      .values({ ...two, time: Number(two.time), seq: 3, actor: 'mallory', prev_hash: two.hash })
      .execute();
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('names a forged entry appended at the end, even with the head moved to it', async () => {
    const five = await env.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 5)
      .executeTakeFirstOrThrow();
    // Without the chain key the forger can only guess: a plain SHA-256 of the fields.
    const hash = createHash('sha256').update('forged').digest('hex');
    await env.database.db
      .insertInto('audit_log')
      .values({
        ...five,
        time: Number(five.time),
        seq: 6,
        actor: 'mallory',
        prev_hash: five.hash,
        hash,
      })
      .execute();
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
    await run(sql`update settings set value = ${`6:${hash}`} where key = 'audit.head'`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
  });

  it('names an entry past the head (inserted after it)', async () => {
    await run(sql`delete from settings where key = 'audit.head'`);
    const result = await audit.verify();
    expect(reasonOf(result)).toContain('head');
    await run(
      sql`insert into settings (key, value) values ('audit.head', ${'4:' + 'a'.repeat(64)})`,
    );
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('names an entry whose stored hash was replaced by a recomputed unkeyed one', async () => {
    const hash = createHash('sha256').update('anything').digest('hex');
    await run(sql`update audit_log set hash = ${hash} where seq = 2`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('names a row numbered before the start of the chain', async () => {
    const one = await env.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 1)
      .executeTakeFirstOrThrow();
    await env.database.db
      .insertInto('audit_log')
      .values({ ...one, time: Number(one.time), seq: 0, actor: 'mallory' })
      .execute();
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 0 });
    expect(reasonOf(result)).toContain('inserted');
  });
});
