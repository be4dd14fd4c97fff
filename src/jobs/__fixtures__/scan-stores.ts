/**
 * Everything a scan test needs, all real: stores (filesystem blobs with SQLite, or PostgreSQL),
 * the secret box and audit log, the internal registry over them, the registry's signing key, a
 * cache directory holding the scan fixtures' vulnerability database, and the scan fixture image
 * as an OCI layout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeScanDb, writeScanImage } from '../../__fixtures__/scan-image.js';
import { openAuditLog } from '../../auth/audit/log.js';
import { openSecretBox } from '../../auth/secrets/box.js';
import type { SecretBox } from '../../auth/model.js';
import type { RegistryContext } from '../../server/context.js';
import type { InternalRegistry } from '../../server/gate-types.js';
import { openInternalRegistry } from '../../server/internal-registry.js';
import { loadRegistrySigningKey, type RegistrySigningKey } from '../../server/signing-key.js';
import { openStores, type OpenStores } from '../../store/open.js';
import { createTestDatabase, type TestDatabase } from '../../store/metadata/test-database.js';

/** One test's world. */
export interface ScanWorld {
  /** The data directory: `blobs/` and `master.key` where `moat serve --data` would keep them. */
  dir: string;
  /** The PostgreSQL database's URL (postgres worlds only). */
  databaseUrl?: string;
  stores: OpenStores;
  secrets: SecretBox;
  context: RegistryContext;
  internal: InternalRegistry;
  signing: RegistrySigningKey;
  /** Holds `db/moat-vuln.db` with the scan fixture's records. */
  cacheDir: string;
  /** The scan fixture image as an OCI layout (tag `app`). */
  layout: string;
  close(): Promise<void>;
}

/** Opens a fresh world on `engine`. */
export async function openScanWorld(engine: 'sqlite' | 'postgres'): Promise<ScanWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-scans-'));
  const pg: TestDatabase | undefined =
    engine === 'postgres' ? await createTestDatabase() : undefined;
  const stores = await openStores({
    metadata: pg
      ? { kind: 'postgres', url: pg.url }
      : { kind: 'sqlite', path: join(dir, 'moat.db') },
    blobs: { kind: 'fs', root: join(dir, 'blobs') },
  });
  const secrets = await openSecretBox({ database: stores.database, dataDir: dir });
  const audit = await openAuditLog({ database: stores.database, secrets });
  const context: RegistryContext = {
    meta: stores.meta,
    blobs: stores.blobs,
    audit,
    access: {
      require: () => Promise.reject(new Error('the public registry is not used here')),
      missingClassification: () => Promise.resolve(undefined),
    },
    limits: {
      maxManifestBytes: 4 * 1024 * 1024,
      maxBlobBytes: 1024 ** 3,
      uploadTtlMs: 3_600_000,
      maxPageSize: 1000,
    },
  };
  const internal = await openInternalRegistry(context);
  const signing = await loadRegistrySigningKey(stores.meta, secrets);
  const cacheDir = join(dir, 'cache');
  await writeScanDb(cacheDir);
  const layout = join(dir, 'layout');
  await writeScanImage(layout);
  return {
    dir,
    ...(pg ? { databaseUrl: pg.url } : {}),
    stores,
    secrets,
    context,
    internal,
    signing,
    cacheDir,
    layout,
    async close() {
      await internal.close();
      await audit.flush();
      await stores.close();
      await pg?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
