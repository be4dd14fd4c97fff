/**
 * TOTP enrolment and removal. Enrolment seals a fresh seed as a pending secret; only a first valid
 * code makes it active, and then the ten recovery codes are made (shown once). Turning TOTP off
 * needs the password and a current code (or a recovery code, for a lost device).
 */
import { activateTotp, clearTotp, setPendingTotp } from '../../store/access/second-factor.js';
import type { UserRow } from '../../store/access/users.js';
import { AuthError } from '../errors.js';
import type { ClientInfo } from '../model.js';
import { verifyPassword } from '../password.js';
import type { UserPrincipal } from '../services.js';
import { recordAudit, type IdentityContext } from './context.js';
import { checkSecondFactor } from './login.js';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';
import { matchTotpStep, newTotpSeed, qrCodeSvg, totpUri } from './totp.js';
import { getUserRow, getUserRowById } from './users.js';

async function currentUser(context: IdentityContext, principal: UserPrincipal): Promise<UserRow> {
  const user =
    principal.id !== undefined
      ? await getUserRowById(context, principal.id)
      : await getUserRow(context, principal.name);
  if (!user || user.disabled) throw new AuthError('UNAUTHENTICATED', 'the account is gone');
  return user;
}

/** Starts (or restarts) an enrolment: the seed in base32, its URI and a QR code of it. */
export async function beginTotp(
  context: IdentityContext,
  principal: UserPrincipal,
): Promise<{ secret: string; otpauthUri: string; qrSvg: string }> {
  const user = await currentUser(context, principal);
  if (user.totpSecretId !== null) {
    throw new AuthError('CONFLICT', 'two-factor authentication is on already; turn it off first');
  }
  const { seed, base32 } = newTotpSeed();
  const secretId = await context.secrets.seal('totp', seed);
  const replaced = await setPendingTotp(context.database, user.id, secretId, context.now());
  if (replaced !== null) await context.secrets.remove(replaced);
  const otpauthUri = totpUri(seed, user.username);
  return { secret: base32, otpauthUri, qrSvg: qrCodeSvg(otpauthUri) };
}

/** Activates the pending seed with a first valid code; the recovery codes, shown once. */
export async function confirmTotp(
  context: IdentityContext,
  principal: UserPrincipal,
  code: string,
  client: ClientInfo,
): Promise<{ recoveryCodes: string[] }> {
  const user = await currentUser(context, principal);
  const target = `user:${user.username}`;
  const pending = user.totpPendingSecretId;
  if (pending === null) {
    throw new AuthError('CONFLICT', 'no enrolment is in progress; begin one first');
  }
  await context.throttle.check(user.username, client.ip);
  const seed = await context.secrets.open(pending);
  const step = code.length <= 16 ? matchTotpStep(seed, code, context.now()) : undefined;
  if (step === undefined) {
    await context.throttle.fail(user.username, client.ip);
    recordAudit(context, {
      actor: principal,
      client,
      action: 'auth.totp.enrol',
      target,
      outcome: 'failure',
    });
    throw new AuthError('INVALID_REQUEST', 'the code is not valid for the secret being enrolled');
  }
  const recoveryCodes = newRecoveryCodes();
  const codeHashes = recoveryCodes.map((formatted) =>
    hashRecoveryCode(user.id, normalizeRecoveryCode(formatted) ?? formatted),
  );
  const activated = await activateTotp(context.database, {
    userId: user.id,
    secretId: pending,
    step,
    codeHashes,
    now: context.now(),
  });
  if (!activated) throw new AuthError('CONFLICT', 'the enrolment changed meanwhile; begin again');
  recordAudit(context, {
    actor: principal,
    client,
    action: 'auth.totp.enrol',
    target,
    outcome: 'success',
  });
  return { recoveryCodes };
}

/** Turns TOTP off after checking the password and a code. */
export async function disableTotp(
  context: IdentityContext,
  principal: UserPrincipal,
  input: { password: string; code: string },
  client: ClientInfo,
): Promise<void> {
  const user = await currentUser(context, principal);
  const target = `user:${user.username}`;
  if (user.totpSecretId === null) {
    throw new AuthError('CONFLICT', 'two-factor authentication is not on');
  }
  await context.throttle.check(user.username, client.ip);
  const proven =
    (await verifyPassword(input.password, user.passwordHash)) &&
    (await checkSecondFactor(context, user, input.code));
  if (!proven) {
    await context.throttle.fail(user.username, client.ip);
    recordAudit(context, {
      actor: principal,
      client,
      action: 'auth.totp.disable',
      target,
      outcome: 'failure',
    });
    throw new AuthError('UNAUTHENTICATED', 'invalid password or code');
  }
  for (const id of await clearTotp(context.database, user.id, context.now())) {
    await context.secrets.remove(id);
  }
  recordAudit(context, {
    actor: principal,
    client,
    action: 'auth.totp.disable',
    target,
    outcome: 'success',
  });
}
