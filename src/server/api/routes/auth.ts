/**
 * `/api/v1/login` and `/api/v1/logout`: a session login (password, plus a TOTP or recovery code
 * once enrolled) sets the `moat_session` cookie and answers the CSRF token every later write must
 * carry; logout ends the session and clears the cookie.
 */
import { z } from 'zod';

import type { Identity } from '../../../auth/services.js';
import { clearSessionCookie, setSessionCookie } from '../cookie.js';
import { apiRoute, type ApiRoute } from '../types.js';
import { userView, viewOfUser } from './user-view.js';

const loginBody = z.strictObject({
  // The service applies the username grammar (after folding ASCII case); any other name fails
  // like a wrong password.
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
  /** A 6-digit TOTP code or a recovery code. */
  otp: z.string().max(64).optional(),
});

/**
 * The login and logout routes over `identity`.
 * @example registerApi(app, { routes: [...authRoutes({ identity })], identity, credentials, version });
 */
export function authRoutes({ identity }: { identity: Identity }): ApiRoute[] {
  return [
    apiRoute({
      method: 'POST',
      path: '/login',
      summary: 'Log in: sets the session cookie and returns the CSRF token',
      tag: 'auth',
      auth: 'none',
      body: loginBody,
      response: z.object({
        csrfToken: z.string(),
        user: userView,
        mustEnrolTwoFactor: z.boolean(),
        expiresAt: z.string(),
      }),
      async handler({ body, client, reply }) {
        const session = await identity.login(
          {
            username: body.username,
            password: body.password,
            ...(body.otp !== undefined ? { otp: body.otp } : {}),
          },
          client,
        );
        setSessionCookie(reply.request, reply, session.token, session.expiresAt);
        return {
          csrfToken: session.csrfToken,
          user: viewOfUser(session.user),
          mustEnrolTwoFactor: session.mustEnrolTwoFactor,
          expiresAt: session.expiresAt.toISOString(),
        };
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/logout',
      summary: 'Log out: ends the session and clears its cookie',
      tag: 'auth',
      auth: 'enrolment',
      status: 204,
      async handler({ caller, reply }) {
        if (caller?.sessionIdHash !== undefined) await identity.logout(caller.sessionIdHash);
        clearSessionCookie(reply.request, reply);
        return undefined;
      },
    }),
  ];
}
