/**
 * `/api/v1/users/me/tokens`: a user's personal access tokens — create (the token is in this answer
 * only), list, revoke. Tokens are created from a login session only: a token that could mint
 * tokens would let an `api:write` token widen its own scopes.
 */
import { z } from 'zod';

import { AuthError } from '../../../auth/errors.js';
import { tokenScopes } from '../../../auth/model.js';
import type { Credentials, TokenInfo } from '../../../auth/services.js';
import { apiRoute, type ApiCaller, type ApiRoute } from '../types.js';

/** An instant in the API: ISO 8601 with a time zone (`2027-01-31T00:00:00Z`). */
export const instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

const tokenView = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(z.enum(tokenScopes)),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
  revoked: z.boolean(),
});

const createBody = z.strictObject({
  name: z.string().min(1).max(64),
  scopes: z.array(z.enum(tokenScopes)).min(1).max(tokenScopes.length),
  expiresAt: instant.optional(),
});

/**
 * The token routes over `credentials`.
 * @example registerApi(app, { routes: [...tokenRoutes({ credentials })], identity, credentials, version });
 */
export function tokenRoutes({ credentials }: { credentials: Credentials }): ApiRoute[] {
  return [
    apiRoute({
      method: 'POST',
      path: '/users/me/tokens',
      summary: 'Create a personal access token (shown in this answer only)',
      tag: 'tokens',
      auth: 'user',
      body: createBody,
      response: tokenView.extend({ token: z.string() }),
      status: 201,
      async handler({ body, caller, client }) {
        const user = sessionUser(caller);
        const { token, info } = await credentials.createToken(
          user,
          {
            name: body.name,
            scopes: body.scopes,
            ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
          },
          client,
        );
        return { token, ...viewOf(info) };
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/users/me/tokens',
      summary: "The caller's personal access tokens (never the tokens themselves)",
      tag: 'tokens',
      auth: 'user',
      response: z.object({ tokens: z.array(tokenView) }),
      async handler({ caller }) {
        const tokens = await credentials.listTokens(userOf(caller));
        return { tokens: tokens.map(viewOf) };
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/users/me/tokens/{id}',
      summary: 'Revoke one of the caller’s personal access tokens',
      tag: 'tokens',
      auth: 'user',
      params: z.strictObject({ id: z.uuid() }),
      status: 204,
      async handler({ params, caller, client }) {
        await credentials.revokeToken(userOf(caller), params.id, client);
      },
    }),
  ];
}

function userOf(caller: ApiCaller | undefined): ApiCaller['principal'] {
  if (!caller) throw new AuthError('UNAUTHENTICATED', 'authentication required');
  return caller.principal;
}

function sessionUser(caller: ApiCaller | undefined): ApiCaller['principal'] {
  const user = userOf(caller);
  if (caller?.via !== 'session') {
    throw new AuthError('ACCESS_DENIED', 'tokens are created from a login session, not a token');
  }
  return user;
}

function viewOf(info: TokenInfo): z.infer<typeof tokenView> {
  return {
    id: info.id,
    name: info.name,
    scopes: info.scopes,
    createdAt: info.createdAt.toISOString(),
    ...(info.expiresAt ? { expiresAt: info.expiresAt.toISOString() } : {}),
    ...(info.lastUsedAt ? { lastUsedAt: info.lastUsedAt.toISOString() } : {}),
    revoked: info.revoked,
  };
}
