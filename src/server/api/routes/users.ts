/**
 * `/api/v1/users…`: the caller (`/users/me`) and its TOTP enrolment, and the management of users
 * by system administrators (create, list, change, delete, end their sessions). The identity
 * service decides who may do what; the routes shape input and output.
 */
import { z } from 'zod';

import { AuthError } from '../../../auth/errors.js';
import type { Identity } from '../../../auth/services.js';
import { apiRoute, type ApiRoute } from '../types.js';
import { callerUser, userView, viewOfUser } from './user-view.js';

const username = z
  .string()
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a username is 1 to 64 characters of a-z 0-9 . _ -');
const password = z.string().min(1).max(1024);
const email = z.string().max(254);
const userParams = z.object({ user: username });
const maxPage = 1000;

const createBody = z.strictObject({
  username,
  password,
  email: email.optional(),
  systemAdmin: z.boolean().optional(),
});

const updateBody = z
  .strictObject({
    password: password.optional(),
    /** Needed when users change their own password. */
    currentPassword: password.optional(),
    email: email.nullable().optional(),
    systemAdmin: z.boolean().optional(),
    disabled: z.boolean().optional(),
  })
  .refine((change) => Object.values(change).some((value) => value !== undefined), {
    message: 'name at least one field to change',
  });

/**
 * The user routes over `identity`.
 * @example registerApi(app, { routes: [...userRoutes({ identity })], identity, credentials, version });
 */
export function userRoutes({ identity }: { identity: Identity }): ApiRoute[] {
  return [
    apiRoute({
      method: 'GET',
      path: '/users/me',
      summary: 'The caller',
      tag: 'users',
      auth: 'enrolment',
      response: userView,
      async handler({ caller }) {
        const principal = callerUser(caller);
        const user =
          principal.id !== undefined
            ? await identity.getUserById(principal.id)
            : await identity.getUser(principal.name);
        if (!user) throw new AuthError('UNAUTHENTICATED', 'the account is gone');
        return viewOfUser(user);
      },
    }),
    apiRoute({
      method: 'POST',
      path: '/users',
      summary: 'Create a user (system administrators)',
      tag: 'users',
      auth: 'user',
      body: createBody,
      response: userView,
      status: 201,
      async handler({ body, caller, client }) {
        const user = await identity.createUser(
          {
            username: body.username,
            password: body.password,
            ...(body.email !== undefined ? { email: body.email } : {}),
            ...(body.systemAdmin !== undefined ? { systemAdmin: body.systemAdmin } : {}),
          },
          callerUser(caller),
          client,
        );
        return viewOfUser(user);
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/users',
      summary: 'List users in name order, a page at a time (system administrators)',
      tag: 'users',
      auth: 'user',
      query: z.object({
        limit: z.coerce.number().int().min(1).max(maxPage).default(100),
        after: username.optional(),
      }),
      response: z.object({ users: z.array(userView), next: z.string().optional() }),
      async handler({ query, caller }) {
        if (callerUser(caller).systemAdmin !== true) {
          throw new AuthError('ACCESS_DENIED', 'only a system administrator may list users');
        }
        const users = await identity.listUsers({
          limit: query.limit,
          ...(query.after !== undefined ? { after: query.after } : {}),
        });
        const last = users.at(-1);
        return {
          users: users.map(viewOfUser),
          ...(users.length === query.limit && last ? { next: last.username } : {}),
        };
      },
    }),
    apiRoute({
      method: 'PATCH',
      path: '/users/{user}',
      summary:
        'Change a user (system administrators; a user their own email, and password with currentPassword)',
      tag: 'users',
      auth: 'user',
      params: userParams,
      body: updateBody,
      response: userView,
      async handler({ params, body, caller, client }) {
        const change = {
          ...(body.password !== undefined ? { password: body.password } : {}),
          ...(body.currentPassword !== undefined ? { currentPassword: body.currentPassword } : {}),
          ...(body.email !== undefined ? { email: body.email } : {}),
          ...(body.systemAdmin !== undefined ? { systemAdmin: body.systemAdmin } : {}),
          ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        };
        const user = await identity.updateUser(params.user, change, callerUser(caller), client);
        return viewOfUser(user);
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/users/{user}',
      summary: 'Delete a user with its sessions, tokens and memberships (system administrators)',
      tag: 'users',
      auth: 'user',
      params: userParams,
      status: 204,
      async handler({ params, caller, client }) {
        await identity.deleteUser(params.user, callerUser(caller), client);
        return undefined;
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/users/{user}/sessions',
      summary: 'End every session of a user (system administrators)',
      tag: 'users',
      auth: 'user',
      params: userParams,
      response: z.object({ revoked: z.number().int() }),
      async handler({ params, caller, client }) {
        const principal = callerUser(caller);
        if (principal.systemAdmin !== true) {
          throw new AuthError(
            'ACCESS_DENIED',
            "only a system administrator may end a user's sessions",
          );
        }
        return { revoked: await identity.revokeSessions(params.user, principal, client) };
      },
    }),
    ...totpRoutes(identity),
  ];
}

function totpRoutes(identity: Identity): ApiRoute[] {
  return [
    apiRoute({
      method: 'POST',
      path: '/users/me/totp',
      summary: 'Begin TOTP enrolment: the secret, its otpauth URI and a QR code (SVG)',
      tag: 'users',
      auth: 'enrolment',
      response: z.object({ secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() }),
      handler: ({ caller, client }) => identity.beginTotp(callerUser(caller), client),
    }),
    apiRoute({
      method: 'POST',
      path: '/users/me/totp/confirm',
      summary: 'Confirm TOTP with a first code; returns the 10 recovery codes (shown once)',
      tag: 'users',
      auth: 'enrolment',
      body: z.strictObject({ code: z.string().min(1).max(16) }),
      response: z.object({ recoveryCodes: z.array(z.string()) }),
      handler: ({ body, caller, client }) =>
        identity.confirmTotp(callerUser(caller), body.code, client),
    }),
    apiRoute({
      method: 'DELETE',
      path: '/users/me/totp',
      summary: 'Turn TOTP off (needs the password and a current code)',
      tag: 'users',
      auth: 'user',
      body: z.strictObject({ password, code: z.string().min(1).max(64) }),
      status: 204,
      async handler({ body, caller, client }) {
        await identity.disableTotp(callerUser(caller), body, client);
        return undefined;
      },
    }),
  ];
}
