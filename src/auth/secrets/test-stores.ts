/**
 * Tests of `auth/secrets/` and `auth/audit/` run on both engines: a fresh SQLite file in a temp
 * directory, or a PostgreSQL database created for the test file (emptied between tests).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { StoreDatabase } from '../../store/metadata/database.js';
import type { KyselyMetadataStore } from '../../store/metadata/kysely-store.js';
import { openMetadataStore } from '../../store/metadata/open.js';
import { createTestDatabase, type TestDatabase } from '../../store/metadata/test-database.js';

/** The engines every database test runs on. */
export const engines = ['sqlite', 'postgres'] as const;

/** One engine's stores for a test file. */
export interface EngineFixture {
  /** A temp directory (the data directory of the test). */
  dataDir: string;
  database: StoreDatabase;
  /** Another connection to the same database, as a second process would have. */
  openSecond(): Promise<StoreDatabase>;
}

/** Opens a fresh database per test; `close` ends it. */
export function engineFixture(engine: (typeof engines)[number]) {
  let pg: TestDatabase | undefined;
  const opened: KyselyMetadataStore[] = [];
  let dataDir = '';
  const open = async (): Promise<StoreDatabase> => {
    const store = await openMetadataStore(
      pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite', path: join(dataDir, 'moat.db') },
    );
    opened.push(store);
    return store.database;
  };
  return {
    async setUpFile(): Promise<void> {
      if (engine === 'postgres') pg = await createTestDatabase();
    },
    async tearDownFile(): Promise<void> {
      await pg?.drop();
    },
    async start(): Promise<EngineFixture> {
      dataDir = await mkdtemp(join(tmpdir(), 'moat-access-'));
      if (pg) await pg.truncate();
      return { dataDir, database: await open(), openSecond: open };
    },
    async stop(): Promise<void> {
      for (const store of opened.splice(0)) await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
