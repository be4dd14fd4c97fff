/**
 * The bootstrap administrator `admin`. At first start its password hash goes into the metadata
 * store's settings (`auth.admin`) with `putSettingIfAbsent`, so that processes starting at once on
 * one database agree on one password. The password is `MOAT_ADMIN_PASSWORD` or generated and shown
 * once; a different `MOAT_ADMIN_PASSWORD` on a later start does not replace the stored one.
 */
import type { MetadataStore } from '../store/types.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';

const settingKey = 'auth.admin';

/** The administrator's stored hash, and the password when this start generated it. */
export interface BootstrapAdmin {
  passwordHash: string;
  generatedPassword?: string;
}

/**
 * Creates the administrator on first start or loads it. `log` receives the generated password
 * once (`created user admin with password … (shown once)`) and, without the password, a warning
 * when `adminPassword` differs from the stored one.
 */
export async function bootstrapAdmin(
  meta: MetadataStore,
  adminPassword: string | undefined,
  log: (message: string) => void,
): Promise<BootstrapAdmin> {
  const existing = await meta.getSetting(settingKey);
  if (existing !== undefined) return keepStored(existing, adminPassword, log);

  const password = adminPassword ?? generatePassword();
  const hash = await hashPassword(password);
  const stored = await meta.putSettingIfAbsent(settingKey, hash);
  // Another process won the race: its password stands.
  if (stored !== hash) return keepStored(stored, adminPassword, log);
  if (adminPassword !== undefined) return { passwordHash: stored };
  log(`created user admin with password ${password} (shown once)`);
  return { passwordHash: stored, generatedPassword: password };
}

async function keepStored(
  stored: string,
  adminPassword: string | undefined,
  log: (message: string) => void,
): Promise<BootstrapAdmin> {
  if (adminPassword !== undefined && !(await verifyPassword(adminPassword, stored))) {
    log(
      'warning: MOAT_ADMIN_PASSWORD differs from the password stored for admin at first start; the stored password stays in force',
    );
  }
  return { passwordHash: stored };
}
