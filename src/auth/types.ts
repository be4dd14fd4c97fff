/**
 * The authorisation seam of `moat serve`: the registry asks one {@link Access} whether a request
 * may act on a resource. Issue 10 fills it with the bootstrap administrator (Basic and Bearer
 * tokens from `/auth/token`); the access model (projects, roles, robots) replaces the decision
 * behind the same interface.
 */
import type { IncomingHttpHeaders } from 'node:http';

import { MoatError } from '../errors.js';
import type { Principal } from './model.js';

/** An action on a repository, as in a token scope `repository:NAME:pull,push`. */
export type RepositoryAction = 'pull' | 'push' | 'delete';

/** What a request wants to do: actions on one repository, or the registry catalog. */
export type AccessScope =
  | { type: 'repository'; name: string; actions: RepositoryAction[] }
  | { type: 'registry'; name: 'catalog'; actions: ['*'] };

/** Who made the request (the full model: `model.ts`). */
export type { Principal } from './model.js';

/** The parts of an HTTP request that authentication reads. */
export interface AccessRequest {
  headers: IncomingHttpHeaders;
  /** The client's address (for logs, rate limits and the audit trail). */
  ip: string;
  /**
   * The protocol the client used (Fastify's `request.protocol`): the token realm derived from
   * `Host` needs it when no public URL is configured. Absent means `http`.
   */
  protocol?: 'http' | 'https';
}

/**
 * Decides access. `require` resolves to the principal when the request may do everything the
 * scope asks; otherwise it rejects with an {@link AccessError}: `UNAUTHENTICATED` (HTTP 401, with
 * `challenge` as the `WWW-Authenticate` header value) when no or bad credentials came,
 * `ACCESS_DENIED` (HTTP 403) when the principal may not.
 */
export interface Access {
  require(request: AccessRequest, scope: AccessScope): Promise<Principal>;
  /**
   * Label-based access: undefined when `principal` may receive an image with these config labels
   * from `repository`, else the classification (`moat.classification`) it lacks.
   */
  missingClassification(
    principal: Principal,
    repository: string,
    labels: Readonly<Record<string, string>>,
  ): Promise<string | undefined>;
}

/** A refused request; `challenge` is the `WWW-Authenticate` value to send with a 401. */
export class AccessError extends MoatError<'UNAUTHENTICATED' | 'ACCESS_DENIED'> {
  override name = 'AccessError';
  readonly challenge: string | undefined;
  /** Who was refused (`ACCESS_DENIED`), for the audit log. */
  readonly principal: Principal | undefined;

  constructor(
    code: 'UNAUTHENTICATED' | 'ACCESS_DENIED',
    message: string,
    options?: { cause?: unknown; challenge?: string; principal?: Principal },
  ) {
    super(code, message, options);
    this.challenge = options?.challenge;
    this.principal = options?.principal;
  }
}
