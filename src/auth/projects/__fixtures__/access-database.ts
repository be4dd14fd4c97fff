/**
 * Test databases for the access tests, on both engines: a migrated SQLite file in a temporary
 * directory, or a throw-away PostgreSQL database. `reset` empties every table between tests; users
 * are rows added with {@link addUser} (the users table is the identity area's; these tests need
 * only rows in it).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AuditEvent, AuditRecorder } from '../../model.js';
import type { StoreDatabase } from '../../../store/metadata/database.js';
import { openMetadataStore } from '../../../store/metadata/open.js';
import { createTestDatabase } from '../../../store/metadata/test-database.js';
import type { KyselyMetadataStore } from '../../../store/metadata/kysely-store.js';

/** The two engines every access test runs on. */
export const engines = ['sqlite', 'postgres'] as const;

/** An open test database. */
export interface AccessTestDatabase {
  meta: KyselyMetadataStore;
  database: StoreDatabase;
  /** Empties every access and registry table (settings stay: the token key, the key check). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const tables = [
  'sessions',
  'recovery_codes',
  'login_throttle',
  'personal_access_tokens',
  'robots',
  'secrets',
  'audit_log',
  'project_members',
  'group_members',
  'groups',
  'projects',
  'users',
  'manifest_references',
  'tags',
  'manifests',
  'repository_blobs',
  'blobs',
  'repositories',
] as const;

/** Opens a fresh, migrated database on `engine`. */
export async function openAccessTestDatabase(
  engine: (typeof engines)[number],
): Promise<AccessTestDatabase> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'moat-projects-'));
    const meta = await openMetadataStore({ kind: 'sqlite', path: join(dir, 'moat.db') });
    return wrap(meta, async () => {
      await meta.close();
      await rm(dir, { recursive: true, force: true });
    });
  }
  const pg = await createTestDatabase();
  const meta = await openMetadataStore({ kind: 'postgres', url: pg.url });
  return wrap(meta, async () => {
    await meta.close();
    await pg.drop();
  });
}

function wrap(meta: KyselyMetadataStore, close: () => Promise<void>): AccessTestDatabase {
  const { database } = meta;
  return {
    meta,
    database,
    reset: () =>
      database.transaction(async (trx) => {
        for (const table of tables) await trx.deleteFrom(table).execute();
      }),
    close,
  };
}

/** Adds a user row; resolves to its id. */
export async function addUser(
  database: StoreDatabase,
  username: string,
  flags: { systemAdmin?: boolean; disabled?: boolean } = {},
): Promise<string> {
  const id = randomUUID();
  await database.writeOne((db) =>
    db
      .insertInto('users')
      .values({
        id,
        username,
        email: null,
        password_hash: 'unused',
        system_admin: flags.systemAdmin === true ? 1 : 0,
        disabled: flags.disabled === true ? 1 : 0,
        totp_secret_id: null,
        totp_pending_secret_id: null,
        totp_last_step: null,
        created_at: 0,
        updated_at: 0,
      })
      .execute(),
  );
  return id;
}

/** An audit recorder that keeps the events in memory, for assertions. */
export function auditEvents(): AuditRecorder & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { events, record: (event) => void events.push(event), flush: () => Promise.resolve() };
}
