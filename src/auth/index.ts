/**
 * The registry side of access (`/v2` and `/auth/token`): `Basic` credentials through
 * `Credentials.authenticateRegistry` (robot secret, personal access token, or a password where
 * 2FA allows one), ES256 tokens that carry exactly what `Authorizer.decide` grants, and the
 * {@link Access} the `/v2` routes ask. The signing key lives in the metadata store's settings, so
 * every process on one database shares it.
 */
import type { MetadataStore } from '../store/types.js';
import { createAccess } from './access.js';
import { CredentialCache, parseBasic, type BasicCredentials } from './basic.js';
import { auditActor, type AuditRecorder, type ClientInfo } from './model.js';
import { formatScope, type RequestedScope } from './scope.js';
import type { Authorizer, Credentials } from './services.js';
import { loadTokenKey } from './token-key.js';
import { signToken, type IssuedToken } from './tokens.js';
import type { Access, Principal } from './types.js';

export { mergeScopes, parseScopes, ScopeSyntaxError, type RequestedScope } from './scope.js';
export type { IssuedToken } from './tokens.js';

/** What `moat serve` needs from the auth module for the registry. */
export interface RegistryAuth {
  /** The seam the `/v2` routes ask. */
  access: Access;
  /** The token service name (`iss` and `aud` of every token). */
  service: string;
  /**
   * The principal that registry credentials prove, or undefined (the same answer for an unknown
   * user, a wrong password, and a password refused because of 2FA); rejects with `AuthError`
   * `RATE_LIMITED` while the user or the client address is throttled.
   */
  authenticate(credentials: BasicCredentials, client: ClientInfo): Promise<Principal | undefined>;
  /** {@link authenticate} for a `Basic …` Authorization header (undefined when malformed). */
  authenticateBasic(header: string, client: ClientInfo): Promise<Principal | undefined>;
  /**
   * A token for `principal` granting what it asked and may do (asking for more yields less, never
   * an error); recorded in the audit log as `auth.token`.
   */
  issueToken(
    principal: Principal,
    scopes: RequestedScope[],
    client: ClientInfo,
  ): Promise<IssuedToken>;
  /** Records a refused token request (`auth.token`, outcome `failure`) for `username`. */
  recordRefusal(username: string, client: ClientInfo, reason: 'credentials' | 'rate_limited'): void;
}

/** Options of {@link openRegistryAuth}. */
export interface RegistryAuthOptions {
  /** Where the signing key is kept (settings `auth.tokenKey`). */
  meta: MetadataStore;
  credentials: Credentials;
  authorizer: Authorizer;
  audit: AuditRecorder;
  /** The token endpoint's absolute URL, or '' to derive it from each request's Host. */
  realm: string;
  service: string;
  tokenTtlSeconds: number;
  /** Milliseconds since the epoch; `Date.now` by default (tests move it). */
  now?: () => number;
}

/**
 * Opens the registry's auth: loads (or at first start creates) the signing key.
 *
 * @example
 * const auth = await openRegistryAuth({ meta: stores.meta, credentials, authorizer, audit,
 *   realm: '', service: 'moat', tokenTtlSeconds: 300 });
 */
export async function openRegistryAuth(options: RegistryAuthOptions): Promise<RegistryAuth> {
  const { credentials, authorizer, audit } = options;
  const now = options.now ?? Date.now;
  const key = await loadTokenKey(options.meta);
  // Only password proofs are cached (an argon2 verification costs tens of milliseconds): tokens
  // and robot secrets are one indexed lookup, so revoking or rotating one takes effect at once.
  const passwordCache = new CredentialCache(60_000, 1000, now);

  const authenticate = ({ username, password }: BasicCredentials, client: ClientInfo) =>
    credentials.authenticateRegistry(username, password, client);

  const authenticateBasic = async (header: string, client: ClientInfo) => {
    const cached = passwordCache.get(header);
    if (cached) return cached;
    const parsed = parseBasic(header);
    if (!parsed) return undefined;
    const principal = await authenticate(parsed, client);
    if (principal?.kind === 'user' && principal.via === 'password') {
      passwordCache.set(header, principal);
    }
    return principal;
  };

  return {
    access: createAccess({
      key,
      service: options.service,
      realm: options.realm,
      authenticateBasic,
      resolveSubject: (subject) => credentials.resolveSubject(subject),
      authorizer,
    }),
    service: options.service,
    authenticate,
    authenticateBasic,

    async issueToken(principal, scopes, client) {
      const granted: RequestedScope[] = [];
      for (const scope of scopes) granted.push(await authorizer.decide(principal, scope));
      const issued = await signToken(key, {
        service: options.service,
        subject: principal.kind === 'anonymous' ? '' : principal.name,
        granted,
        ttlSeconds: options.tokenTtlSeconds,
        now: now(),
      });
      audit.record({
        ...auditActor(principal),
        clientIp: client.ip,
        action: 'auth.token',
        target: scopes.length === 0 ? 'registry' : scopes.map(formatScope).join(' '),
        outcome: 'success',
        details: {
          granted: issued.access
            .map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(',')}`)
            .join(' '),
          ...(principal.kind === 'user' && principal.via !== undefined
            ? { via: principal.via }
            : {}),
        },
      });
      return issued;
    },

    recordRefusal(username, client, reason) {
      audit.record({
        actor: username,
        actorKind: username.startsWith('robot$') ? 'robot' : 'user',
        clientIp: client.ip,
        action: 'auth.token',
        target: 'registry',
        outcome: 'failure',
        details: { reason },
      });
    },
  };
}
