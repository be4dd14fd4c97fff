/**
 * Test support: the credentials service over real parts — a metadata store on SQLite (a file in a
 * temporary directory) or PostgreSQL (one throw-away database per test file, emptied before each
 * test), the secret box, the audit log, identity, projects and the authoriser — with a clock the
 * test moves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

import type { KyselyMetadataStore } from '../../store/metadata/kysely-store.js';
import { openMetadataStore } from '../../store/metadata/open.js';
import { createTestDatabase, type TestDatabase } from '../../store/metadata/test-database.js';
import { openAuditLog } from '../audit/log.js';
import { createIdentity } from '../identity/index.js';
import type { AuditEntry, ClientInfo } from '../model.js';
import { createAuthorizer, createProjects } from '../projects/index.js';
import { openSecretBox } from '../secrets/box.js';
import type {
  AuditLog,
  Authorizer,
  Credentials,
  Identity,
  Projects,
  UserPrincipal,
} from '../services.js';
import { createCredentials } from './index.js';

/** Both engines, for `describe.each`. */
export const engines = ['sqlite', 'postgres'] as const;

/** The client every test call comes from. */
export const client: ClientInfo = { ip: '192.0.2.7', userAgent: 'vitest' };

/** What a test gets. */
export interface CredentialsFixture {
  meta: KyselyMetadataStore;
  identity: Identity;
  credentials: Credentials;
  projects: Projects;
  authorizer: Authorizer;
  audit: AuditLog;
  /** Move `clock.now` to move time. */
  clock: { now: number };
  /** Creates a user (a system administrator with `systemAdmin`); its password is {@link passwordOf}. */
  createUser: (name: string, options?: { systemAdmin?: boolean }) => Promise<UserPrincipal>;
  /** The audit entries written so far (after a flush). */
  events: () => Promise<AuditEntry[]>;
}

/** The password the fixture gives a user. */
export function passwordOf(name: string): string {
  return `a long passphrase for ${name} 7`;
}

/**
 * Registers the hooks that open fresh stores and services before each test and close them after;
 * the returned function gives the current test's fixture.
 */
export function useCredentialsFixture(engine: (typeof engines)[number]): () => CredentialsFixture {
  let pg: TestDatabase | undefined;
  let dir: string | undefined;
  let current: CredentialsFixture | undefined;

  beforeAll(async () => {
    if (engine === 'postgres') pg = await createTestDatabase();
  });
  afterAll(async () => {
    await pg?.drop();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-credentials-'));
    if (pg) await pg.truncate();
    const meta = await openMetadataStore(
      pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite', path: join(dir, 'moat.db') },
    );
    const clock = { now: Date.UTC(2026, 0, 1) };
    const now = () => clock.now;
    const database = meta.database;
    const secrets = await openSecretBox({ database, masterKey: randomBytes(32).toString('hex') });
    const audit = await openAuditLog({ database, secrets, now, flushDelayMs: 1 });
    const identity = createIdentity({
      database,
      secrets,
      audit,
      now,
      config: {
        requireTwoFactor: 'admins',
        sessionIdleTimeoutMs: 30 * 60_000,
        sessionMaxAgeMs: 12 * 3_600_000,
        lockoutThreshold: 5,
        lockoutDurationMs: 15 * 60_000,
      },
    });
    const projects = createProjects({ database, identity, audit, now });
    current = {
      meta,
      identity,
      credentials: createCredentials({ database, identity, audit, now }),
      projects,
      authorizer: createAuthorizer({ projects }),
      audit,
      clock,
      async createUser(name, options = {}) {
        const user = await identity.createUser(
          { username: name, password: passwordOf(name), systemAdmin: options.systemAdmin ?? false },
          undefined,
          client,
        );
        return { kind: 'user', name, id: user.id, systemAdmin: user.systemAdmin };
      },
      async events() {
        await audit.flush();
        return audit.query({ limit: 1000 });
      },
    };
  });
  afterEach(async () => {
    await current?.audit.flush();
    await current?.meta.close();
    current = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!current) throw new Error('the fixture is opened in beforeEach');
    return current;
  };
}
