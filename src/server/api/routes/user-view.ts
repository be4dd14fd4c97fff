/**
 * A user as `/api/v1` shows it (JSON: times as ISO 8601 strings), shared by the auth and users
 * routes, and the caller of a route that needs one.
 */
import { z } from 'zod';

import { AuthError } from '../../../auth/errors.js';
import type { UserInfo, UserPrincipal } from '../../../auth/services.js';
import type { ApiCaller } from '../types.js';

/** The response schema of a user. */
export const userView = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().optional(),
  systemAdmin: z.boolean(),
  disabled: z.boolean(),
  totpEnabled: z.boolean(),
  mustEnrolTwoFactor: z.boolean(),
  createdAt: z.string(),
});

/** A user in the API's JSON. */
export function viewOfUser(user: UserInfo): z.infer<typeof userView> {
  return {
    id: user.id,
    username: user.username,
    ...(user.email !== undefined ? { email: user.email } : {}),
    systemAdmin: user.systemAdmin,
    disabled: user.disabled,
    totpEnabled: user.totpEnabled,
    mustEnrolTwoFactor: user.mustEnrolTwoFactor,
    createdAt: user.createdAt.toISOString(),
  };
}

/** The authenticated user of a route that is not `auth: 'none'`. */
export function callerUser(caller: ApiCaller | undefined): UserPrincipal {
  if (!caller) throw new AuthError('UNAUTHENTICATED', 'authentication required');
  return caller.principal;
}
