/**
 * Queries on a user's second factor: the TOTP columns of `users` (the active and the pending
 * seed's `secrets` ids, the last accepted time step) and `recovery_codes`. Single use is enforced
 * by conditional updates, so two nodes racing with one code or one time step cannot both win.
 */
import type { StoreDatabase } from '../metadata/database.js';

/** Sets the pending TOTP seed; resolves to the one it replaces (for the caller to remove). */
export async function setPendingTotp(
  database: StoreDatabase,
  userId: string,
  secretId: string,
  now: number,
): Promise<string | null> {
  return database.transaction(async (trx) => {
    const row = await trx
      .selectFrom('users')
      .select('totp_pending_secret_id')
      .where('id', '=', userId)
      .executeTakeFirst();
    await trx
      .updateTable('users')
      .set({ totp_pending_secret_id: secretId, updated_at: now })
      .where('id', '=', userId)
      .execute();
    return row?.totp_pending_secret_id ?? null;
  });
}

/**
 * Makes the pending seed `secretId` the active one, records `step` as used and stores the
 * recovery code hashes (replacing any earlier ones), in one transaction. False when the pending
 * seed changed meanwhile or TOTP is already active.
 */
export async function activateTotp(
  database: StoreDatabase,
  input: { userId: string; secretId: string; step: number; codeHashes: string[]; now: number },
): Promise<boolean> {
  return database.transaction(async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({
        totp_secret_id: input.secretId,
        totp_pending_secret_id: null,
        totp_last_step: input.step,
        updated_at: input.now,
      })
      .where('id', '=', input.userId)
      .where('totp_pending_secret_id', '=', input.secretId)
      .where('totp_secret_id', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await trx.deleteFrom('recovery_codes').where('user_id', '=', input.userId).execute();
    await trx
      .insertInto('recovery_codes')
      .values(input.codeHashes.map((hash) => ({ user_id: input.userId, code_hash: hash })))
      .execute();
    return true;
  });
}

/**
 * Records `step` as the last TOTP step used, unless it or a later one was used already: true when
 * this call claimed it (the code may be accepted), false on a replay.
 */
export async function claimTotpStep(
  database: StoreDatabase,
  userId: string,
  step: number,
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) === 1;
}

/** Marks an unused recovery code used: true when this call used it. */
export async function consumeRecoveryCode(
  database: StoreDatabase,
  userId: string,
  codeHash: string,
  now: number,
): Promise<boolean> {
  const result = await database.writeOne((db) =>
    db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Turns TOTP off: clears both seeds and the step, deletes the recovery codes; resolves to the
 * seeds' secret ids (for the caller to remove).
 */
export async function clearTotp(
  database: StoreDatabase,
  userId: string,
  now: number,
): Promise<string[]> {
  return database.transaction(async (trx) => {
    const row = await trx
      .selectFrom('users')
      .select(['totp_secret_id', 'totp_pending_secret_id'])
      .where('id', '=', userId)
      .executeTakeFirst();
    await trx
      .updateTable('users')
      .set({
        totp_secret_id: null,
        totp_pending_secret_id: null,
        totp_last_step: null,
        updated_at: now,
      })
      .where('id', '=', userId)
      .execute();
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    const ids: string[] = [];
    if (row?.totp_secret_id) ids.push(row.totp_secret_id);
    if (row?.totp_pending_secret_id) ids.push(row.totp_pending_secret_id);
    return ids;
  });
}
