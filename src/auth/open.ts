/**
 * Opens the access model's services (issue 11) over one database, in the order they depend on
 * one another (the table in `services.ts`): the secret box (master key), the audit log, identity,
 * credentials, projects and the authoriser; then the bootstrap administrator. `moat serve` opens
 * them after the stores; `moat admin user|token|…` through `cli/admin-access.ts`.
 */
import type { ServeConfig } from '../server/config.js';
import type { StoreDatabase } from '../store/metadata/database.js';
import { openAuditLog } from './audit/log.js';
import { createCredentials } from './credentials/index.js';
import { bootstrapAdmin, createIdentity } from './identity/index.js';
import type { SecretBox } from './model.js';
import { createAuthorizer, createProjects } from './projects/index.js';
import { openSecretBox } from './secrets/box.js';
import type { AuditLog, Authorizer, Credentials, Identity, Projects } from './services.js';

/** Every access service, opened together. */
export interface AccessServices {
  identity: Identity;
  credentials: Credentials;
  projects: Projects;
  authorizer: Authorizer;
  audit: AuditLog;
  secrets: SecretBox;
  /** The administrator's password when this start created the administrator with a generated one. */
  adminPassword?: string;
  /** Writes what the audit log still holds; the services must not be used afterwards. */
  close(): Promise<void>;
}

/** Options of {@link openAccessServices}. */
export interface AccessServicesOptions {
  database: StoreDatabase;
  config: ServeConfig['auth'];
  /** Where the embedded default keeps `master.key`. */
  dataDir: string;
  /** Messages for the operator (the generated administrator password, once; warnings). */
  log: (message: string) => void;
  /**
   * Creates the bootstrap administrator when there is none (`moat serve`; true by default). The
   * CLI leaves that to the server.
   */
  bootstrap?: boolean;
}

/**
 * Opens the services; rejects with `MASTER_KEY_INVALID` when the master key does not open the
 * secrets stored under it.
 * @example
 * const access = await openAccessServices({ database: stores.database, config: config.auth,
 *   dataDir: config.dataDir, log: (m) => process.stderr.write(`moat: ${m}\n`) });
 */
export async function openAccessServices(options: AccessServicesOptions): Promise<AccessServices> {
  const { database, config, dataDir, log } = options;
  const secrets = await openSecretBox({
    database,
    ...(config.masterKey !== undefined ? { masterKey: config.masterKey } : {}),
    ...(config.masterKeyFile !== undefined ? { masterKeyFile: config.masterKeyFile } : {}),
    dataDir,
    log,
  });
  const audit = await openAuditLog({ database, secrets, log });
  const identity = createIdentity({ database, secrets, audit, config });
  const credentials = createCredentials({ database, identity, audit });
  const projects = createProjects({ database, identity, audit });
  const authorizer = createAuthorizer({ projects });
  const services: AccessServices = {
    identity,
    credentials,
    projects,
    authorizer,
    audit,
    secrets,
    close: () => audit.flush(),
  };
  if (options.bootstrap ?? true) {
    const admin = await bootstrapAdmin(identity, config.adminPassword, log);
    if (admin.generatedPassword !== undefined) services.adminPassword = admin.generatedPassword;
  }
  return services;
}
