/**
 * The access side of `moat serve` (issue 10): the bootstrap administrator, `Basic` credentials,
 * ES256 tokens from `/auth/token` and the {@link Access} the `/v2` routes ask. The administrator's
 * password hash and the signing key live in the metadata store's settings, so every process on
 * one database shares them.
 */
import type { MetadataStore } from '../store/types.js';
import { createAccess } from './access.js';
import { bootstrapAdmin } from './admin.js';
import { CredentialCache, parseBasic, type BasicCredentials } from './basic.js';
import { adminUserName, decide } from './decide.js';
import { maxPasswordLength, verifyPassword } from './password.js';
import type { RequestedScope } from './scope.js';
import { loadTokenKey } from './token-key.js';
import { signToken, type IssuedToken } from './tokens.js';
import type { Access, Principal } from './types.js';

export { mergeScopes, parseScopes, ScopeSyntaxError, type RequestedScope } from './scope.js';
export type { IssuedToken } from './tokens.js';

/** What `moat serve` needs from the auth module. */
export interface RegistryAuth {
  /** The seam the `/v2` routes ask. */
  access: Access;
  /** The token service name (`iss` and `aud` of every token). */
  service: string;
  /** The administrator's password when this start generated it (shown once). */
  adminPassword?: string;
  /** The principal that `credentials` prove, or undefined (same answer for an unknown user). */
  authenticate(credentials: BasicCredentials): Promise<Principal | undefined>;
  /** The principal a `Basic …` Authorization header proves, or undefined (cached briefly). */
  authenticateBasic(header: string): Promise<Principal | undefined>;
  /**
   * A token for `principal` granting what it asked and may do (asking for more yields less);
   * anonymous principals get a token that grants nothing.
   */
  issueToken(principal: Principal, scopes: RequestedScope[]): Promise<IssuedToken>;
}

/** Options of {@link openRegistryAuth}. */
export interface RegistryAuthOptions {
  meta: MetadataStore;
  /** The data directory (unused for now: everything shared lives in the metadata store). */
  dataDir: string;
  /** The token endpoint's absolute URL, or '' to derive it from each request's Host. */
  realm: string;
  service: string;
  tokenTtlSeconds: number;
  /** `MOAT_ADMIN_PASSWORD`: the administrator's password at first start. */
  adminPassword?: string;
  /** Receives the generated password once, and warnings (never a secret otherwise). */
  log: (message: string) => void;
}

/**
 * Opens the registry's auth: creates the administrator and the signing key at first start.
 *
 * @example
 * const auth = await openRegistryAuth({ meta, dataDir, realm: '', service: 'moat',
 *   tokenTtlSeconds: 300, log: (m) => process.stderr.write(`moat: ${m}\n`) });
 */
export async function openRegistryAuth(options: RegistryAuthOptions): Promise<RegistryAuth> {
  const admin = await bootstrapAdmin(options.meta, options.adminPassword, options.log);
  const key = await loadTokenKey(options.meta);
  const cache = new CredentialCache();

  const authenticate = async ({ username, password }: BasicCredentials) => {
    if (password.length > maxPasswordLength) return undefined;
    // An unknown user costs the same scrypt as a wrong password: no user enumeration by timing.
    const matches = await verifyPassword(password, admin.passwordHash);
    return matches && username === adminUserName
      ? ({ kind: 'user', name: adminUserName } satisfies Principal)
      : undefined;
  };

  const authenticateBasic = async (header: string) => {
    const cached = cache.get(header);
    if (cached) return cached;
    const credentials = parseBasic(header);
    if (!credentials) return undefined;
    const principal = await authenticate(credentials);
    if (principal) cache.set(header, principal);
    return principal;
  };

  const auth: RegistryAuth = {
    access: createAccess({
      key,
      service: options.service,
      realm: options.realm,
      authenticateBasic,
    }),
    service: options.service,
    authenticate,
    authenticateBasic,
    issueToken: (principal, scopes) =>
      signToken(key, {
        service: options.service,
        subject: principal.kind === 'anonymous' ? '' : principal.name,
        granted:
          principal.kind === 'anonymous' ? [] : scopes.map((scope) => decide(principal, scope)),
        ttlSeconds: options.tokenTtlSeconds,
      }),
  };
  if (admin.generatedPassword !== undefined) auth.adminPassword = admin.generatedPassword;
  return auth;
}
