/**
 * Login throttling, per user and per client address, kept in the database so that every process
 * agrees. The first failures are free (typos); from `lockoutThreshold` failures on, each further
 * failure locks the key for a time that doubles from 30 s up to `lockoutDurationMs`. An address
 * may fail four times as often as a user (many users can sit behind one NAT). Counts are forgotten
 * after twice the longest lockout without a failure, and a user's count on a successful login.
 * Keys exist for unknown usernames too, so a lockout tells nothing about who exists.
 */
import type { StoreDatabase } from '../../store/metadata/database.js';
import {
  clearKey,
  countFailure,
  lockKey,
  lockedUntil,
  sweepKeys,
} from '../../store/access/throttle.js';
import { AuthError } from '../errors.js';
import { isUsername } from './names.js';

const firstLockMs = 30_000;
const addressFactor = 4;
/** Longer "addresses" are cut: an IPv6 address with a zone is well under this. */
const maxAddressLength = 64;

/** The throttle's settings (`auth.lockoutThreshold`, `auth.lockoutDurationMs`). */
export interface ThrottleConfig {
  lockoutThreshold: number;
  lockoutDurationMs: number;
}

/** The lockout after `failures` failures with `threshold` free ones (0: none). */
export function lockoutMs(failures: number, threshold: number, maxMs: number): number {
  if (failures < threshold) return 0;
  const doublings = Math.min(failures - threshold, 30);
  return Math.min(maxMs, Math.min(firstLockMs, maxMs) * 2 ** doublings);
}

/** Failed-login counting and lockouts for one deployment. */
export class LoginThrottle {
  constructor(
    private readonly database: StoreDatabase,
    private readonly config: ThrottleConfig,
    private readonly now: () => number,
  ) {}

  /** Throws `RATE_LIMITED` with `retryAfterSeconds` while the user or the address is locked. */
  async check(username: string, ip: string): Promise<void> {
    const until = await lockedUntil(this.database, keysOf(username, ip));
    const waitMs = until - this.now();
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new AuthError(
        'RATE_LIMITED',
        `too many failed logins; try again in ${seconds} seconds`,
        { retryAfterSeconds: seconds },
      );
    }
  }

  /**
   * Counts a failure for the user and the address, locking either when it is due; resolves to
   * the longest lockout this failure started, in seconds (0: none).
   */
  async fail(username: string, ip: string): Promise<number> {
    const now = this.now();
    const { lockoutThreshold, lockoutDurationMs } = this.config;
    const forgetBefore = now - 2 * lockoutDurationMs;
    let longest = 0;
    for (const key of keysOf(username, ip)) {
      const threshold = key.startsWith('ip:') ? lockoutThreshold * addressFactor : lockoutThreshold;
      const failures = await countFailure(this.database, key, now, forgetBefore);
      const ms = lockoutMs(failures, threshold, lockoutDurationMs);
      if (ms > 0) await lockKey(this.database, key, now + ms);
      longest = Math.max(longest, ms);
    }
    return Math.ceil(longest / 1000);
  }

  /**
   * Forgets the user's failures (the address keeps its count: one good login clears nothing), and
   * every count old enough to be forgotten anyway, so the table stays small without a job.
   */
  async succeed(username: string): Promise<void> {
    await clearKey(this.database, `user:${username}`);
    const now = this.now();
    await sweepKeys(this.database, now - 2 * this.config.lockoutDurationMs, now);
  }
}

function keysOf(username: string, ip: string): string[] {
  const keys = [`ip:${ip.slice(0, maxAddressLength)}`];
  // A name outside the grammar is no one's: counting it would only grow the table.
  if (isUsername(username)) keys.unshift(`user:${username}`);
  return keys;
}
