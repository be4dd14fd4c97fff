/**
 * The bootstrap administrator `admin`: at first start a system administrator of that name is
 * created in `users` with `MOAT_ADMIN_PASSWORD`, or with a generated password shown once. Processes
 * starting at once on one database race on the unique username: the first writer wins, the others
 * find the user there. A later `MOAT_ADMIN_PASSWORD` changes nothing (the stored password stands).
 */
import { AuthError } from '../errors.js';
import { generatePassword } from '../password.js';
import type { Identity } from '../services.js';

/** The bootstrap administrator's username. */
export const adminUsername = 'admin';

/** What the bootstrap did. */
export interface BootstrapResult {
  /** True when this process created the administrator. */
  created: boolean;
  /** The generated password, when this process created the administrator without one given. */
  generatedPassword?: string;
}

/**
 * Creates the administrator unless a user `admin` exists. `log` receives the generated password
 * once (`created user admin with password … (shown once)`); a given password that breaks the
 * policy fails with `WEAK_PASSWORD`.
 * @example
 * await bootstrapAdmin(identity, process.env.MOAT_ADMIN_PASSWORD, (m) => process.stderr.write(`moat: ${m}\n`));
 */
export async function bootstrapAdmin(
  identity: Identity,
  adminPassword: string | undefined,
  log: (message: string) => void,
): Promise<BootstrapResult> {
  if (await identity.getUser(adminUsername)) return { created: false };
  const password = adminPassword ?? generatePassword();
  try {
    await identity.createUser({ username: adminUsername, password, systemAdmin: true }, undefined, {
      ip: 'local',
    });
  } catch (error) {
    // Another process created it first: its password stands.
    if (error instanceof AuthError && error.code === 'CONFLICT') return { created: false };
    throw error;
  }
  if (adminPassword !== undefined) return { created: true };
  log(`created user ${adminUsername} with password ${password} (shown once)`);
  return { created: true, generatedPassword: password };
}
