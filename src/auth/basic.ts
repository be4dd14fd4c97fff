/**
 * HTTP Basic credentials (RFC 7617) and a short-lived cache of verified ones: docker and skopeo
 * send Basic on every request, and a scrypt verification costs ~50 ms. The cache is keyed by a
 * SHA-256 of the whole header, so it holds no password.
 */
import { createHash } from 'node:crypto';

import type { Principal } from './types.js';

/** Longest Authorization header read. */
const maxHeaderLength = 4096;
const maxUsernameLength = 256;

/** A user name and password from a `Basic` header. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** The credentials of a `Basic` Authorization header, or undefined when it is malformed. */
export function parseBasic(header: string): BasicCredentials | undefined {
  if (header.length > maxHeaderLength) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  if (username === '' || username.length > maxUsernameLength) return undefined;
  return { username, password: decoded.slice(colon + 1) };
}

/** Verified Basic headers for `ttlMs`, at most `capacity` of them (the oldest go first). */
export class CredentialCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly capacity = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(header: string): Principal | undefined {
    const key = this.keyOf(header);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(header: string, principal: Principal): void {
    const key = this.keyOf(header);
    this.entries.delete(key);
    this.entries.set(key, { principal, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  private keyOf(header: string): string {
    return createHash('sha256').update(header).digest('base64url');
  }
}
