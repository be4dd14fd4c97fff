/**
 * The registry's signing key: one ECDSA P-256 key that signs the SBOM and vulnerability-report
 * attestations Moat attaches to scanned images. Generated at the first start, its PKCS#8 private
 * key is sealed with the secret box (`auth/secrets/`) and the secret's id kept in the setting
 * `scan.signingKey`, so every `moat serve` and `moat worker` on one database signs with the same
 * key. Two processes starting at once agree through `putSettingIfAbsent`; the loser removes its
 * own sealed copy. The public key is what users verify the attestations with
 * (`GET /api/v1/signing-key`, `cosign verify-attestation --key`).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';

import type { SecretBox } from '../auth/model.js';
import { MoatError } from '../errors.js';
import { algorithmOf, generateSigningKey } from '../sign/keys/algorithm.js';
import { encodePublicKey } from '../sign/keys/encode.js';
import type { SigningKey } from '../sign/types.js';
import type { MetadataStore } from '../store/types.js';

const settingKey = 'scan.signingKey';
const purpose = 'registry.signing-key';

/** The registry's key pair and its public half as PEM. */
export interface RegistrySigningKey {
  key: SigningKey;
  /** SPKI PEM, as cosign's `.pub` files. */
  publicKeyPem: string;
}

/**
 * Loads the registry's signing key, creating and sealing it when there is none yet.
 * @example
 * const { key, publicKeyPem } = await loadRegistrySigningKey(stores.meta, access.secrets);
 */
export async function loadRegistrySigningKey(
  meta: MetadataStore,
  secrets: SecretBox,
): Promise<RegistrySigningKey> {
  let id = await meta.getSetting(settingKey);
  if (id === undefined) {
    const fresh = generateSigningKey('ecdsa-p256');
    const pkcs8 = fresh.privateKey.export({ format: 'der', type: 'pkcs8' });
    let mine: string;
    try {
      mine = await secrets.seal(purpose, pkcs8);
    } finally {
      pkcs8.fill(0);
    }
    id = await meta.putSettingIfAbsent(settingKey, mine);
    if (id !== mine) await secrets.remove(mine);
  }
  const der = await secrets.open(id);
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey(privateKey);
    const key: SigningKey = {
      algorithm: algorithmOf(publicKey, settingKey),
      privateKey,
      publicKey,
    };
    return { key, publicKeyPem: encodePublicKey(publicKey) };
  } catch (error) {
    throw new MoatError('CONFIG_INVALID', `the stored ${settingKey} is not a private key`, {
      cause: error,
    });
  } finally {
    der.fill(0);
  }
}
