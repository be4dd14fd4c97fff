/**
 * Throw-away PostgreSQL databases for tests: each test file creates its own `moat_t_<random>` on
 * the server at `MOAT_TEST_POSTGRES_URL` (default: the local trust-auth server) and drops it at
 * the end, whatever connections are left.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';

const adminUrl =
  process.env.MOAT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one test file. */
export interface TestDatabase {
  /** Its connection URL. */
  url: string;
  /** Empties every table of the metadata store (between tests that share the database). */
  truncate(): Promise<void>;
  /** Drops it, closing any connection still open. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database.
 * @example const db = await createTestDatabase(); afterAll(() => db.drop());
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `moat_t_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    truncate: () =>
      withClient(url.toString(), async (client) => {
        const { rows } = await client.query<{ tablename: string }>(
          `select tablename from pg_tables where schemaname = current_schema()
             and tablename not like 'moat_migration%'`,
        );
        if (rows.length === 0) return;
        await client.query(`truncate ${rows.map((r) => `"${r.tablename}"`).join(', ')}`);
      }),
    drop: async () => {
      await withClient(adminUrl, (client) =>
        client.query(`drop database if exists ${name} with (force)`),
      );
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
