import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openSecretBox } from '../auth/secrets/box.js';
import { signData, verifyData } from '../sign/keys/sign.js';
import { verificationKeyOf } from '../sign/image.js';
import type { KyselyMetadataStore } from '../store/metadata/kysely-store.js';
import { openMetadataStore } from '../store/metadata/open.js';
import { createTestDatabase, type TestDatabase } from '../store/metadata/test-database.js';
import { loadRegistrySigningKey } from './signing-key.js';

describe.each(['sqlite', 'postgres'] as const)('the registry signing key on %s', (engine) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  const opened: KyselyMetadataStore[] = [];

  /** One process's view: its own connection and secret box over the shared database. */
  const process = async () => {
    const meta = await openMetadataStore(
      pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite', path: join(dir, 'moat.db') },
    );
    opened.push(meta);
    const secrets = await openSecretBox({ database: meta.database, dataDir: dir });
    return { meta, secrets };
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-signing-key-'));
    pg = engine === 'postgres' ? await createTestDatabase() : undefined;
  });
  afterEach(async () => {
    for (const meta of opened.splice(0)) await meta.close();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is generated once, sealed in the secret box, and the same for every process', async () => {
    const one = await process();
    const two = await process();
    // Two processes starting at once agree on one key.
    const [a, b] = await Promise.all([
      loadRegistrySigningKey(one.meta, one.secrets),
      loadRegistrySigningKey(two.meta, two.secrets),
    ]);
    expect(a.publicKeyPem).toBe(b.publicKeyPem);
    expect(a.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(a.key.algorithm).toBe('ecdsa-p256');
    const again = await loadRegistrySigningKey(one.meta, one.secrets);
    expect(again.publicKeyPem).toBe(a.publicKeyPem);

    // What signs on one process verifies with the other's key.
    const signature = signData(b.key, Buffer.from('payload'));
    expect(verifyData(verificationKeyOf(a.key), Buffer.from('payload'), signature)).toBe(true);

    // The setting holds only the id of a sealed secret, never the key.
    const setting = await one.meta.getSetting('scan.signingKey');
    expect(setting).toMatch(/^[0-9a-f-]{36}$/);
    const sealed = await one.meta.database.read((db) =>
      db.selectFrom('secrets').select(['id', 'purpose', 'ciphertext']).execute(),
    );
    const keys = sealed.filter((row) => row.purpose === 'registry.signing-key');
    expect(keys.map((row) => row.id)).toEqual([setting]);
    const der = a.key.privateKey.export({ format: 'der', type: 'pkcs8' });
    expect(keys[0]?.ciphertext).not.toContain(der.toString('base64').slice(20, 60));
  });

  it('is refused by a process holding another master key', async () => {
    const one = await process();
    await loadRegistrySigningKey(one.meta, one.secrets);
    const meta = await openMetadataStore(
      pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite', path: join(dir, 'moat.db') },
    );
    opened.push(meta);
    await expect(
      openSecretBox({ database: meta.database, masterKey: 'a'.repeat(64) }),
    ).rejects.toMatchObject({ code: 'MASTER_KEY_INVALID' });
  });
});
