/**
 * Test support: an identity service over a real metadata store, on SQLite (a file in a temporary
 * directory) or PostgreSQL (one throw-away database per test file, emptied before each test), with
 * the real secret box and audit log, and a clock the test moves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

import type { StoreDatabase } from '../../store/metadata/database.js';
import { openMetadataStore } from '../../store/metadata/open.js';
import { createTestDatabase, type TestDatabase } from '../../store/metadata/test-database.js';
import type { KyselyMetadataStore } from '../../store/metadata/kysely-store.js';
import { openAuditLog } from '../audit/log.js';
import type { AuditEntry, SecretBox } from '../model.js';
import { openSecretBox } from '../secrets/box.js';
import type { AuditLog, Identity } from '../services.js';
import type { IdentityConfig } from './context.js';
import { createIdentity } from './index.js';

const masterKey = 'ab'.repeat(32);

/** Both engines, for `describe.each`. */
export const engines = ['sqlite', 'postgres'] as const;

/** The configuration tests start from. */
export const testConfig: IdentityConfig = {
  requireTwoFactor: 'admins',
  sessionIdleTimeoutMs: 30 * 60_000,
  sessionMaxAgeMs: 12 * 3_600_000,
  lockoutThreshold: 5,
  lockoutDurationMs: 15 * 60_000,
};

/** What a test gets. */
export interface IdentityFixture {
  identity: Identity;
  database: StoreDatabase;
  secrets: SecretBox;
  /** Move `clock.now` to move time. */
  clock: { now: number };
  /** Every audit entry so far (after a flush). */
  auditEntries: () => Promise<AuditEntry[]>;
  /** Another service on the same store with another configuration. */
  reconfigure: (config: Partial<IdentityConfig>) => Identity;
  /** A service on a second connection to the same database (as another process has). */
  anotherProcess: () => Promise<Identity>;
}

/**
 * Registers the hooks that open a fresh store before each test and close it after; the returned
 * function gives the current test's fixture.
 */
export function useIdentityFixture(
  engine: (typeof engines)[number],
  config: Partial<IdentityConfig> = {},
): () => IdentityFixture {
  let pg: TestDatabase | undefined;
  let dir: string | undefined;
  let stores: KyselyMetadataStore[] = [];
  let current: IdentityFixture | undefined;

  beforeAll(async () => {
    if (engine === 'postgres') pg = await createTestDatabase();
  });
  afterAll(async () => {
    await pg?.drop();
  });
  beforeEach(async () => {
    let open: () => Promise<KyselyMetadataStore>;
    if (pg) {
      await pg.truncate();
      const url = pg.url;
      open = () => openMetadataStore({ kind: 'postgres', url });
    } else {
      dir = await mkdtemp(join(tmpdir(), 'moat-identity-'));
      const path = join(dir, 'moat.db');
      open = () => openMetadataStore({ kind: 'sqlite', path });
    }
    const meta = await open();
    stores = [meta];
    const clock = { now: Date.UTC(2026, 0, 1) };
    const secrets = await openSecretBox({ database: meta.database, masterKey });
    const audit: AuditLog = await openAuditLog({ database: meta.database, secrets });
    const make = (database: StoreDatabase, extra: Partial<IdentityConfig>) =>
      createIdentity({
        database,
        secrets,
        audit,
        config: { ...testConfig, ...config, ...extra },
        now: () => clock.now,
      });
    current = {
      identity: make(meta.database, {}),
      database: meta.database,
      secrets,
      clock,
      auditEntries: async () => {
        await audit.flush();
        return audit.query({ limit: 1000 });
      },
      reconfigure: (extra) => make(meta.database, extra),
      anotherProcess: async () => {
        const other = await open();
        stores.push(other);
        return make(other.database, {});
      },
    };
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    stores = [];
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!current) throw new Error('the fixture is opened in beforeEach');
    return current;
  };
}
