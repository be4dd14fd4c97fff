/**
 * The key-check value kept in settings: it lets a process tell at start whether its master key
 * is the one the database's secrets are sealed under, without storing anything that reveals it.
 */
import { createHmac } from 'node:crypto';

import type { MasterKey } from './master-key.js';

/** The settings row holding the key-check value. */
export const keyCheckSetting = 'secrets.keyCheck';

/** `<key id>:<HMAC-SHA-256 of a fixed label under the key>`. */
export function keyCheckValue(key: MasterKey): string {
  return `${key.id}:${createHmac('sha256', key.key).update('moat master key check').digest('hex')}`;
}
