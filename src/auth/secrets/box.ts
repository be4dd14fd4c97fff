/**
 * The {@link SecretBox}: secrets sealed with AES-256-GCM under the master key and kept in the
 * `secrets` table. At open, a key-check value in settings (`secrets.keyCheck`: the key id and an
 * HMAC of a fixed label under the key) makes a wrong key fail at start with `MASTER_KEY_INVALID`
 * rather than at the first secret. A secret sealed under a key this process does not hold (a
 * rotation started elsewhere) makes it re-read its key file once.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';

import type { StoreDatabase } from '../../store/metadata/database.js';
import {
  deleteSecret,
  getSecret,
  insertSecret,
  putSettingIfAbsent,
} from '../../store/access/secrets.js';
import { AuthError } from '../errors.js';
import type { SecretBox } from '../model.js';
import { openEnvelope, sealEnvelope } from './envelope.js';
import { keyCheckSetting, keyCheckValue } from './key-check.js';
import {
  loadMasterKeys,
  type MasterKey,
  type MasterKeyOptions,
  type MasterKeys,
} from './master-key.js';
import { rotateSecrets, type RotationReport } from './rotate.js';

const purposePattern = /^[a-z0-9][a-z0-9.-]{0,63}$/;
const maxPlaintextBytes = 64 * 1024;

/** Options of {@link openSecretBox}. */
export interface SecretBoxOptions extends MasterKeyOptions {
  database: StoreDatabase;
  /** Operator messages (a key file others may read); never a key. */
  log?: (message: string) => void;
  now?: () => number;
}

/** The secret box with what the CLI's rotation needs. */
export interface MasterKeySecretBox extends SecretBox {
  /** The current key's id. */
  readonly keyId: string;
  /** Re-seals every secret under the current key, in small transactions (see `rotate.ts`). */
  rotate(): Promise<RotationReport>;
}

/**
 * Opens the secret box: reads the master keys, checks the current one against the database's
 * key-check value (writing it on first use), and seals and opens secrets.
 * @example
 * const box = await openSecretBox({ database: stores.database, dataDir: 'moat-data' });
 * const id = await box.seal('totp', seed);
 */
export async function openSecretBox(options: SecretBoxOptions): Promise<MasterKeySecretBox> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const { database } = options;
  let keys = loadMasterKeys(options, log);
  const current = (): MasterKey => keys.keys[0] as MasterKey;
  checkKey(await putSettingIfAbsent(database, keyCheckSetting, keyCheckValue(current())), keys);

  const keyFor = (keyId: string, secretId: string): MasterKey => {
    let key = keys.keys.find((candidate) => candidate.id === keyId);
    if (key === undefined && keys.source.kind === 'file') {
      keys = loadMasterKeys(options, log);
      key = keys.keys.find((candidate) => candidate.id === keyId);
    }
    if (key === undefined) {
      throw new AuthError(
        'MASTER_KEY_INVALID',
        `secret ${secretId} is sealed under master key ${keyId}, which this process does not hold`,
      );
    }
    return key;
  };

  return {
    get keyId() {
      return current().id;
    },
    async seal(purpose, plaintext) {
      if (!purposePattern.test(purpose)) {
        throw new AuthError(
          'INVALID_REQUEST',
          'a secret purpose is [a-z0-9.-], at most 64 characters',
        );
      }
      if (plaintext.length > maxPlaintextBytes) {
        throw new AuthError('INVALID_REQUEST', `a secret is at most ${maxPlaintextBytes} bytes`);
      }
      const id = randomUUID();
      const key = current();
      const ciphertext = sealEnvelope(key.key, id, purpose, plaintext);
      await insertSecret(database, { id, purpose, keyId: key.id, ciphertext }, now());
      return id;
    },
    async open(id) {
      const row = await database.read((db) => getSecret(db, id));
      if (row === undefined) throw new AuthError('NOT_FOUND', `no secret ${id}`);
      return openEnvelope(keyFor(row.keyId, id).key, row.id, row.purpose, row.ciphertext);
    },
    async remove(id) {
      await deleteSecret(database, id);
    },
    rotate: () => rotateSecrets({ database, current: current(), keyFor, now }),
  };
}

/** Throws `MASTER_KEY_INVALID` unless the stored check value is one of `keys`'. */
function checkKey(stored: string, keys: MasterKeys): void {
  const [keyId] = stored.split(':');
  const key = keys.keys.find((candidate) => candidate.id === keyId);
  const expected = key === undefined ? undefined : Buffer.from(keyCheckValue(key));
  const actual = Buffer.from(stored);
  if (
    expected === undefined ||
    expected.length !== actual.length ||
    !timingSafeEqual(expected, actual)
  ) {
    const where = keys.source.kind === 'env' ? 'MOAT_MASTER_KEY' : keys.source.path;
    throw new AuthError(
      'MASTER_KEY_INVALID',
      `the master key from ${where} is not the one this database's secrets are sealed under (key ${keyId ?? '?'})`,
    );
  }
}
