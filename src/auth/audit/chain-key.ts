/**
 * The chain key: 32 random bytes sealed in the secret box (purpose `audit-chain-key`), its
 * secret id in settings `audit.chainKey`. The first process to start creates it; one that loses
 * the race removes its own and uses the winner's.
 */
import { randomBytes } from 'node:crypto';

import type { StoreDatabase } from '../../store/metadata/database.js';
import { putSettingIfAbsent, readSetting } from '../../store/access/secrets.js';
import { AuthError } from '../errors.js';
import type { SecretBox } from '../model.js';

const chainKeySetting = 'audit.chainKey';

/** Loads the chain key, creating it on first use. */
export async function loadChainKey(database: StoreDatabase, secrets: SecretBox): Promise<Buffer> {
  let id = await database.read((db) => readSetting(db, chainKeySetting));
  if (id === undefined) {
    const mine = await secrets.seal('audit-chain-key', randomBytes(32));
    id = await putSettingIfAbsent(database, chainKeySetting, mine);
    if (id !== mine) await secrets.remove(mine);
  }
  const key = await secrets.open(id);
  if (key.length !== 32) {
    throw new AuthError(
      'AUDIT_CHAIN_BROKEN',
      'the audit chain key in the secret box is not 32 bytes',
    );
  }
  return key;
}
