/**
 * Checks over the image's configuration: `nonRoot` (the config's `User` must name a user other
 * than root: empty, `root`, `0`, `root:…` and `0:…` are root) and `maxAge` (the config's
 * `created` no older than a duration).
 */
import type { PolicyInput } from '../types.js';
import { passed, type CheckOutcome } from './outcome.js';

/** `nonRoot: true` requires a non-root user; `nonRoot: false` checks nothing. */
export function checkNonRoot(required: boolean, input: PolicyInput): CheckOutcome {
  if (!required) return passed;
  const user = input.image.user.trim();
  const name = user.split(':')[0] ?? '';
  if (name === '' || name === 'root' || /^0+$/.test(name)) {
    return {
      pass: false,
      reason:
        user === '' ? 'the image sets no user, so it runs as root' : `the image runs as ${user}`,
    };
  }
  return passed;
}

const units: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
};

/** Milliseconds of `90d`, `12h`, `1w2d`… (the schema allows only this form). */
export function durationMs(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([wdhms])/g)) {
    total += Number(amount) * (units[unit ?? ''] ?? 0);
  }
  return total;
}

/** The image must have been created no longer than `maxAge` before `now`. */
export function checkMaxAge(maxAge: string, input: PolicyInput, now: Date): CheckOutcome {
  const created = input.image.created;
  const time = created === undefined ? Number.NaN : Date.parse(created);
  if (Number.isNaN(time)) {
    return { pass: false, reason: 'the image does not say when it was created' };
  }
  const age = now.getTime() - time;
  if (age <= durationMs(maxAge)) return passed;
  const days = Math.floor(age / 86_400_000);
  return {
    pass: false,
    reason: `the image was created ${created} (${days} days ago), older than ${maxAge}`,
  };
}
