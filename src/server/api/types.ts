/**
 * The contract of the management API `/api/v1` (issue 11): every area (users and sessions,
 * tokens and robots, projects and members, audit) exports its routes as {@link ApiRoute}s; the
 * framework (`server/api/index.ts`) registers them, authenticates the caller (session cookie with
 * `X-CSRF-Token` on writes, or `Authorization: Bearer <personal access token>`), validates input
 * with the zod schemas, maps `AuthError`s to `{error: {code, message}}` with their status, and
 * builds the OpenAPI document at `/api/v1/openapi.json` from the same schemas.
 */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';

import type { ClientInfo, Principal } from '../../auth/model.js';

/** The authenticated caller of an API request. */
export interface ApiCaller {
  /** A user (sessions and personal access tokens belong to users). */
  principal: Extract<Principal, { kind: 'user' }>;
  via: 'session' | 'pat';
  /** The session's id hash, when `via` is `session` (for logout). */
  sessionIdHash?: string;
}

/**
 * Who may call a route:
 * - `none`: anyone (login; the OpenAPI document);
 * - `enrolment`: an authenticated user, even one who must still enrol a second factor (TOTP
 *   enrolment, logout, `GET /users/me`);
 * - `user`: an authenticated user who has nothing left to enrol. Finer checks (system admin,
 *   project role) are the handler's, through the authoriser.
 */
export type ApiAuth = 'none' | 'enrolment' | 'user';

/** What a handler receives. */
export interface ApiHandlerInput<Body, Params, Query> {
  body: Body;
  params: Params;
  query: Query;
  /** Undefined only on `auth: 'none'` routes called without credentials. */
  caller: ApiCaller | undefined;
  client: ClientInfo;
  /** For cookies and headers (login, logout); the handler's return value is the JSON body. */
  reply: FastifyReply;
}

/** One route of `/api/v1`. */
export interface ApiRoute<
  Body extends z.ZodType = z.ZodType,
  Params extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI style, relative to `/api/v1`: `/projects/{project}/members/{user}`. */
  path: string;
  /** One line for the OpenAPI document. */
  summary: string;
  /** The OpenAPI tag (`auth`, `users`, `tokens`, `robots`, `projects`, `audit`). */
  tag: string;
  auth: ApiAuth;
  body?: Body;
  params?: Params;
  query?: Query;
  /** The response body's schema (documentation; responses are not re-validated). */
  response?: z.ZodType;
  /** Success status, 200 by default (201 for creations, 204 with no body). */
  status?: number;
  /**
   * When the body is not JSON: the response media type (e.g. `application/x-ndjson` for the
   * audit export); the handler then returns a string or a stream.
   */
  produces?: string;
  /**
   * A body taken as text (a document whose errors name lines: a policy): the route accepts
   * `application/json` and these further media types (e.g. `application/yaml`), up to `maxBytes`,
   * and its `body` schema receives `{ mediaType, text }` unparsed. `documentation` is the JSON
   * Schema shown in OpenAPI for every accepted media type.
   */
  textBody?: {
    mediaTypes: readonly string[];
    maxBytes: number;
    documentation: Record<string, unknown>;
  };
  handler(
    input: ApiHandlerInput<z.output<Body>, z.output<Params>, z.output<Query>>,
  ): Promise<unknown>;
}

/**
 * Helps TypeScript infer a route's schema types.
 * @example
 * apiRoute({ method: 'GET', path: '/users/me', summary: 'The caller', tag: 'users',
 *   auth: 'enrolment', handler: ({ caller }) => Promise.resolve({ username: caller?.principal.name }) });
 */
export function apiRoute<
  Body extends z.ZodType = z.ZodUnknown,
  Params extends z.ZodType = z.ZodUnknown,
  Query extends z.ZodType = z.ZodUnknown,
>(route: ApiRoute<Body, Params, Query>): ApiRoute<Body, Params, Query> {
  return route;
}
