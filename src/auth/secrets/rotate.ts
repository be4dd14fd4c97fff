/**
 * Master-key rotation: every secret not sealed under the current key is opened with the key that
 * sealed it and sealed again under the current one, a few per transaction, each only while it is
 * still under its old key (so two rotations, or a rotation beside a running server, never undo
 * each other). Servers keep working throughout: the old keys still open what is not done yet.
 * Last, the key-check value moves to the current key.
 */
import type { StoreDatabase } from '../../store/metadata/database.js';
import {
  getSecret,
  resealSecret,
  secretsNotUnderKey,
  writeSetting,
} from '../../store/access/secrets.js';
import { keyCheckSetting, keyCheckValue } from './key-check.js';
import { openEnvelope, sealEnvelope } from './envelope.js';
import type { MasterKey } from './master-key.js';

/** What a rotation did. */
export interface RotationReport {
  /** The current key's id, which every secret is now sealed under. */
  keyId: string;
  /** Secrets sealed again. */
  resealed: number;
}

const batchSize = 20;

/** Re-seals every secret under `current`. */
export async function rotateSecrets(input: {
  database: StoreDatabase;
  current: MasterKey;
  keyFor: (keyId: string, secretId: string) => MasterKey;
  now: () => number;
}): Promise<RotationReport> {
  const { database, current, keyFor, now } = input;
  let resealed = 0;
  let afterId = '';
  for (;;) {
    const ids = await secretsNotUnderKey(database, current.id, { afterId, limit: batchSize });
    if (ids.length === 0) break;
    afterId = ids[ids.length - 1] as string;
    resealed += await database.transaction(async (trx) => {
      let count = 0;
      for (const id of ids) {
        const row = await getSecret(trx, id);
        if (row === undefined || row.keyId === current.id) continue;
        const plaintext = openEnvelope(keyFor(row.keyId, id).key, id, row.purpose, row.ciphertext);
        const ciphertext = sealEnvelope(current.key, id, row.purpose, plaintext);
        const change = { id, fromKeyId: row.keyId, toKeyId: current.id, ciphertext };
        if (await resealSecret(trx, change, now())) count++;
      }
      return count;
    });
  }
  await database.writeOne((db) => writeSetting(db, keyCheckSetting, keyCheckValue(current)));
  return { keyId: current.id, resealed };
}
