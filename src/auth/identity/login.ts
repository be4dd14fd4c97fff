/**
 * Proving who one is: the session login (password, then a TOTP or recovery code when enrolled)
 * and the registry's password grant. Both are throttled per user and per address before any hash
 * is computed; an unknown user costs the same argon2id verification as a wrong password and gets
 * the same answer; a disabled user too.
 */
import { updateUserRow, type UserRow } from '../../store/access/users.js';
import { claimTotpStep, consumeRecoveryCode } from '../../store/access/second-factor.js';
import { AuthError } from '../errors.js';
import type { ClientInfo } from '../model.js';
import {
  generatePassword,
  hashPassword,
  maxPasswordLength,
  needsRehash,
  verifyPassword,
} from '../password.js';
import type { NewSession, UserPrincipal } from '../services.js';
import { mustEnrol, recordAudit, toPrincipal, type IdentityContext } from './context.js';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { openSession } from './sessions.js';
import { isTotpCode, matchTotpStep } from './totp.js';
import { getUserRow } from './users.js';

const maxCodeLength = 64;
let dummyHash: Promise<string> | undefined;

/** Usernames are lower case; people type `Alice`. Only ASCII is folded (no look-alikes). */
function loginName(username: string): string {
  return username.length > 64 ? username : username.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The enabled user whose password this is, or undefined, after the same work either way. */
async function passwordUser(
  context: IdentityContext,
  username: string,
  password: string,
): Promise<UserRow | undefined> {
  if (password.length > maxPasswordLength) return undefined;
  const user = await getUserRow(context, username);
  dummyHash ??= hashPassword(generatePassword());
  const matches = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !matches || user.disabled) return undefined;
  if (needsRehash(user.passwordHash)) {
    await updateUserRow(
      context.database,
      user.id,
      { passwordHash: await hashPassword(password) },
      context.now(),
    );
  }
  return user;
}

/** True when `code` is a current TOTP code not used before, or an unused recovery code. */
export async function checkSecondFactor(
  context: IdentityContext,
  user: UserRow,
  code: string,
): Promise<boolean> {
  if (user.totpSecretId === null || code.length > maxCodeLength) return false;
  if (isTotpCode(code)) {
    const seed = await context.secrets.open(user.totpSecretId);
    const step = matchTotpStep(seed, code, context.now());
    return step !== undefined && (await claimTotpStep(context.database, user.id, step));
  }
  const recovery = normalizeRecoveryCode(code);
  if (recovery === undefined) return false;
  const hash = hashRecoveryCode(user.id, recovery);
  return consumeRecoveryCode(context.database, user.id, hash, context.now());
}

/** The session login of {@link Identity.login}. */
export async function login(
  context: IdentityContext,
  input: { username: string; password: string; otp?: string },
  client: ClientInfo,
): Promise<NewSession> {
  const username = loginName(input.username);
  const target = `user:${username.slice(0, 64)}`;
  const refuse = async (reason: string, error: AuthError) => {
    const lockedForSeconds = await context.throttle.fail(username, client.ip);
    recordAudit(context, {
      actor: undefined,
      client,
      action: 'auth.login',
      target,
      outcome: 'failure',
      // A lockout this failure started is worth an operator's eye.
      details: { reason, ...(lockedForSeconds > 0 ? { lockedForSeconds } : {}) },
    });
    return error;
  };
  await context.throttle.check(username, client.ip);
  const user = await passwordUser(context, username, input.password);
  if (!user) {
    throw await refuse(
      'bad credentials',
      new AuthError('UNAUTHENTICATED', 'invalid username or password'),
    );
  }
  if (user.totpSecretId !== null) {
    if (input.otp === undefined || input.otp === '') {
      // The password was right: not a failure, the client asks for the code and tries again.
      throw new AuthError('TWO_FACTOR_REQUIRED', 'a second-factor code is required');
    }
    if (!(await checkSecondFactor(context, user, input.otp))) {
      throw await refuse(
        'bad second factor',
        new AuthError('TWO_FACTOR_REQUIRED', 'the second-factor code is not valid'),
      );
    }
  }
  await context.throttle.succeed(username);
  const session = await openSession(context, user, client);
  recordAudit(context, {
    actor: toPrincipal(user, 'session', context.config),
    client,
    action: 'auth.login',
    target,
    outcome: 'success',
  });
  return session;
}

/** The registry's password grant of {@link Identity.checkRegistryPassword}. */
export async function checkRegistryPassword(
  context: IdentityContext,
  username: string,
  password: string,
  client: ClientInfo,
): Promise<UserPrincipal | undefined> {
  const name = loginName(username);
  await context.throttle.check(name, client.ip);
  const user = await passwordUser(context, name, password);
  // A user with (or due for) a second factor must not get in with the password alone; counting it
  // as a failure keeps a guessed password from being confirmed here.
  if (!user || user.totpSecretId !== null || mustEnrol(user, context.config)) {
    await context.throttle.fail(name, client.ip);
    return undefined;
  }
  await context.throttle.succeed(name);
  return toPrincipal(user, 'password', context.config);
}
