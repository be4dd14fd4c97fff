/**
 * The real access services over a test database, composed as `moat serve` composes them (secret
 * box, identity, credentials, projects, authorizer, registry auth), with the audit events kept in
 * memory. Users that need a password at the registry must not be system administrators (those
 * must enrol a second factor first).
 */
import { randomBytes } from 'node:crypto';

import { createCredentials } from '../../credentials/index.js';
import { createIdentity } from '../../identity/index.js';
import { openRegistryAuth, type RegistryAuth } from '../../index.js';
import { openSecretBox } from '../../secrets/box.js';
import type { Authorizer, Credentials, Identity, Projects } from '../../services.js';
import { createAuthorizer, createProjects } from '../index.js';
import { auditEvents, type AccessTestDatabase } from './access-database.js';

/** The services of one test. */
export interface AccessStack {
  identity: Identity;
  credentials: Credentials;
  projects: Projects;
  authorizer: Authorizer;
  auth: RegistryAuth;
  audit: ReturnType<typeof auditEvents>;
}

/** A password the policy accepts. */
export const testPassword = 'correct horse battery staple';
/** The system administrator as the management API presents it once enrolled. */
export const operator = { kind: 'user', name: 'root', systemAdmin: true } as const;

/**
 * Opens the services on `db` (after `db.reset()`); `masterKey` must stay the same for a database.
 */
export async function openAccessStack(
  db: AccessTestDatabase,
  masterKey: string,
): Promise<AccessStack> {
  const audit = auditEvents();
  const { database } = db;
  const secrets = await openSecretBox({ database, masterKey });
  const identity = createIdentity({
    database,
    secrets,
    audit,
    config: {
      requireTwoFactor: 'admins',
      sessionIdleTimeoutMs: 60_000,
      sessionMaxAgeMs: 3_600_000,
      lockoutThreshold: 5,
      lockoutDurationMs: 60_000,
    },
  });
  const credentials = createCredentials({ database, identity, audit });
  const projects = createProjects({ database, identity, audit });
  const authorizer = createAuthorizer({ projects });
  const auth = await openRegistryAuth({
    meta: db.meta,
    credentials,
    authorizer,
    audit,
    realm: '',
    service: 'moat',
    tokenTtlSeconds: 300,
  });
  return { identity, credentials, projects, authorizer, auth, audit };
}

/** A fresh master key (one per test file). */
export function testMasterKey(): string {
  return randomBytes(32).toString('hex');
}
