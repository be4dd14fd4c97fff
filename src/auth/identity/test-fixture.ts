/**
 * Test support: an identity service over a real metadata store, on SQLite (a file in a temporary
 * directory) or PostgreSQL (one throw-away database per test file, emptied before each test), with
 * a clock the test moves and the audit events recorded in memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

import type { StoreDatabase } from '../../store/metadata/database.js';
import { openMetadataStore } from '../../store/metadata/open.js';
import { createTestDatabase, type TestDatabase } from '../../store/metadata/test-database.js';
import type { KyselyMetadataStore } from '../../store/metadata/kysely-store.js';
import type { AuditEvent, SecretBox } from '../model.js';
import type { Identity } from '../services.js';
import type { IdentityConfig } from './context.js';
import { createIdentity } from './index.js';

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
  audit: AuditEvent[];
  /** Another service on the same store with another configuration. */
  reconfigure(config: Partial<IdentityConfig>): Identity;
  /** A service on a second connection to the same database (as another process has). */
  anotherProcess(): Promise<Identity>;
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
    const audit: AuditEvent[] = [];
    const secrets = memorySecretBox();
    const make = (database: StoreDatabase, extra: Partial<IdentityConfig>) =>
      createIdentity({
        database,
        secrets,
        audit: { record: (event) => void audit.push(event), flush: () => Promise.resolve() },
        config: { ...testConfig, ...config, ...extra },
        now: () => clock.now,
      });
    current = {
      identity: make(meta.database, {}),
      database: meta.database,
      secrets,
      clock,
      audit,
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

/** Interim: secrets kept in memory until `auth/secrets/` lands. */
function memorySecretBox(): SecretBox {
  const secrets = new Map<string, Buffer>();
  let next = 0;
  return {
    seal: (_purpose, plaintext) => {
      const id = `s${++next}`;
      secrets.set(id, Buffer.from(plaintext));
      return Promise.resolve(id);
    },
    open: (id) => {
      const value = secrets.get(id);
      return value ? Promise.resolve(value) : Promise.reject(new Error(`no secret ${id}`));
    },
    remove: (id) => {
      secrets.delete(id);
      return Promise.resolve();
    },
  };
}
