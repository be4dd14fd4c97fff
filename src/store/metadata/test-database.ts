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
  /** Ends every connection to it, as a server restart would. */
  terminateConnections(): Promise<void>;
  /** Drops it, closing any connection still open. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database.
 * @example const db = await createTestDatabase(); afterAll(() => db.drop());
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `moat_t_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, async (client) => {
    // A linguistic collation where one is available (en-US sorts 'a' < 'B' < '_x' differently
    // from byte order): the listings must still come out in byte order.
    try {
      await client.query(
        `create database ${name} template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'`,
      );
    } catch {
      await client.query(`create database ${name}`);
    }
  });
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
    terminateConnections: async () => {
      await withClient(adminUrl, (client) =>
        client.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [name],
        ),
      );
    },
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
