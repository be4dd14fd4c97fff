/**
 * Registry authentication after the Docker token spec: on a 401 the registry's challenge says
 * Basic (send credentials) or Bearer (GET a token from `realm` with `service` and `scope`, Basic
 * credentials attached when known). Tokens are cached per scope until shortly before they expire
 * and sent up front, so a pull costs one token request per repository.
 */
import { z } from 'zod';

import { MoatError } from '../errors.js';
import type { Credentials } from './credentials.js';
import { registryErrorFrom } from './registry-errors.js';
import type { RetryOptions } from './retry.js';
import type { FetchLike, HttpTimeouts } from '../util/timed-fetch.js';
import { sendWithRetry } from './send.js';
import { readBodyBounded } from './transport.js';
import { parseWwwAuthenticate } from './www-authenticate.js';

/** Settings the authenticator shares with the client. */
export interface AuthenticatorOptions {
  /** Registry host, for messages. */
  host: string;
  credentials?: Credentials;
  retry?: RetryOptions;
  /** Connect, idle and total timeouts for token requests. */
  timeouts?: HttpTimeouts;
  /** Sends instead of the global `fetch`. */
  fetch?: FetchLike;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const tokenResponseSchema = z
  .object({
    token: z.string().optional(),
    access_token: z.string().optional(),
    expires_in: z.number().optional(),
  })
  .loose();

const maxTokenResponseBytes = 1024 * 1024;
// Token spec: a token without `expires_in` lives 60 s; renew a little early.
const defaultTokenLifetimeS = 60;
const renewMarginMs = 5_000;

/** The `repository:NAME:pull` scope a pull of `repository` needs. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** The `repository:NAME:pull,push` scope a write to `repository` needs. */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** Holds one registry's authentication state: the scheme it asked for and cached tokens. */
export class RegistryAuthenticator {
  private useBasic = false;
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly options: AuthenticatorOptions) {}

  /** The `Authorization` value to send up front for `scope`, if any is known yet. */
  authorizationFor(scope: string): string | undefined {
    if (this.bearer !== undefined) {
      const cached = this.tokens.get(this.cacheKey(scope));
      if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
      return undefined;
    }
    if (this.useBasic && this.options.credentials !== undefined) {
      return basicHeader(this.options.credentials);
    }
    return undefined;
  }

  /**
   * Reacts to a 401: learns the challenge and obtains what it asks for (a fresh token even when
   * a cached one was just refused, since it may have been revoked). Returns false when a retry
   * cannot help: Basic without credentials, or Basic credentials just refused.
   */
  async onUnauthorized(
    challengeHeader: string | null,
    scope: string,
    sent: string | undefined,
  ): Promise<boolean> {
    const challenges = parseWwwAuthenticate(challengeHeader ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm !== undefined);
    if (bearer !== undefined && bearer.params.realm !== undefined) {
      this.bearer = { realm: bearer.params.realm };
      if (bearer.params.service !== undefined) this.bearer.service = bearer.params.service;
      const scopes = [scope];
      const asked = bearer.params.scope;
      if (asked !== undefined && asked !== scope) for (const s of asked.split(' ')) scopes.push(s);
      const token = await this.fetchToken(scopes);
      this.tokens.set(this.cacheKey(scope), token);
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (this.options.credentials === undefined || sent?.startsWith('Basic ') === true) {
        return false;
      }
      this.useBasic = true;
      return true;
    }
    return false;
  }

  private cacheKey(scope: string): string {
    return `${this.bearer?.realm ?? ''} ${this.bearer?.service ?? ''} ${scope}`;
  }

  private async fetchToken(scopes: string[]): Promise<CachedToken> {
    const bearer = this.bearer;
    let url: URL;
    try {
      url = new URL(bearer?.realm ?? '');
    } catch {
      throw new MoatError(
        'REGISTRY_PROTOCOL',
        `${this.options.host}: token realm ${JSON.stringify(bearer?.realm)} is not a URL`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new MoatError(
        'REGISTRY_PROTOCOL',
        `${this.options.host}: token realm uses unsupported scheme ${url.protocol}`,
      );
    }
    if (bearer?.service !== undefined) url.searchParams.set('service', bearer.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const context = {
      host: this.options.host,
      repository: '',
      reference: '',
      kind: 'token' as const,
    };
    const credentials = this.options.credentials;
    const response = await sendWithRetry(url, {
      headers: { accept: 'application/json' },
      ...(credentials ? { authorization: basicHeader(credentials) } : {}),
      ...(this.options.timeouts !== undefined ? { timeouts: this.options.timeouts } : {}),
      ...(this.options.retry !== undefined ? { retry: this.options.retry } : {}),
      ...(this.options.fetch !== undefined ? { fetch: this.options.fetch } : {}),
      context,
      peer: 'token server',
    });
    if (!response.ok) {
      const error = await registryErrorFrom(response, context);
      throw new MoatError(
        error.code,
        `token server ${url.host} refused ${scopes.join(' ')} for ${this.options.host}: ${error.message}`,
      );
    }
    const body = await readBodyBounded(response, maxTokenResponseBytes, 'token response');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
    const parsed = tokenResponseSchema.safeParse(json);
    const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (token === undefined || token === '') {
      throw new MoatError(
        'REGISTRY_PROTOCOL',
        `token server ${url.host} answered without a token for ${this.options.host}`,
      );
    }
    const lifetimeS = parsed.success
      ? (parsed.data.expires_in ?? defaultTokenLifetimeS)
      : defaultTokenLifetimeS;
    const lifetimeMs = lifetimeS * 1000;
    return { token, expiresAt: Date.now() + Math.max(lifetimeMs - renewMarginMs, lifetimeMs / 2) };
  }
}
