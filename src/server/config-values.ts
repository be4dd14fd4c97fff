/**
 * The value types of `moat serve`'s configuration as zod schemas: each accepts what a YAML file
 * gives (numbers, booleans, strings) and what the environment and flags give (strings only), and
 * turns it into the typed value. Messages say what was expected and never repeat the value: some
 * values are secrets (the S3 secret key, a database URL with a password).
 */
import { z } from 'zod';

/** The most milliseconds a duration may have (one year): far beyond any sensible setting. */
const maxDurationMs = 365 * 24 * 3600 * 1000;

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds of a duration such as `30s`, `5m`, `1h`, `24h` or `1h30m`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(?:\d{1,12}(?:ms|s|m|h|d))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(amount) * (durationUnits[unit ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) && total <= maxDurationMs ? total : undefined;
}

const sizeUnits: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

/** Bytes of a size such as `4MiB`, `16GiB`, `500MB` or a plain integer; undefined when malformed. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = /^(\d{1,16}(?:\.\d{1,6})?)\s*([a-z]*)$/i.exec(value.trim());
  if (!match) return undefined;
  const factor = sizeUnits[(match[2] || 'b').toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A duration in milliseconds, between `min` and one year. */
export function durationSchema(min: number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined || ms < min) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: `expected a duration such as 30s, 5m, 1h or 24h${min > 0 ? ` (at least ${describeMs(min)})` : ''}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/** `off`, or an interval as {@link durationSchema}; `off` becomes undefined. */
export function scheduleSchema(min: number) {
  return z.union([z.string(), z.number(), z.boolean()]).transform((value, ctx) => {
    if (value === 'off' || value === false) return undefined;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined || ms < min) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: `expected off or an interval such as 1h or 24h (at least ${describeMs(min)})`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/** A size in bytes between `min` and `max`. */
export function sizeSchema(min: number, max: number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined || bytes < min || bytes > max) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: `expected a size such as 4MiB or 16GiB, or a number of bytes, from ${describeBytes(min)} to ${describeBytes(max)}`,
      });
      return z.NEVER;
    }
    return bytes;
  });
}

/** An integer between `min` and `max`. */
export function integerSchema(min: number, max: number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const number =
      typeof value === 'number' ? value : /^\d{1,15}$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        message: `expected an integer from ${min} to ${max}`,
      });
      return z.NEVER;
    }
    return number;
  });
}

const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off']);

/** A boolean: YAML's, or `true`/`false`/`1`/`0`/`yes`/`no`/`on`/`off` from the environment. */
export const booleanSchema = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const word = value.trim().toLowerCase();
  if (trueWords.has(word)) return true;
  if (falseWords.has(word)) return false;
  ctx.issues.push({ code: 'custom', input: value, message: 'expected true or false' });
  return z.NEVER;
});

/** A non-empty string without control characters (paths, names, keys). */
export function textSchema(what: string) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const text = String(value);
    // eslint-disable-next-line no-control-regex
    if (text.length === 0 || text.length > 4096 || /[\u0000-\u001f\u007f]/.test(text)) {
      ctx.issues.push({ code: 'custom', input: value, message: `expected ${what}` });
      return z.NEVER;
    }
    return text;
  });
}

/** Where the server listens. */
export interface ListenAddress {
  /** A host name or an IP address (IPv6 without brackets). */
  host: string;
  port: number;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every interface); undefined when malformed. */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]{2,45})\]|([A-Za-z0-9.-]{0,253})):(\d{1,5})$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** A listen address as {@link parseListen}. */
export const listenSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const address = typeof value === 'string' ? parseListen(value) : undefined;
  if (address === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: 'expected HOST:PORT such as 127.0.0.1:5000, [::1]:5000 or :5000',
    });
    return z.NEVER;
  }
  return address;
});

/** True for an address only this machine reaches. */
export function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower === '::1' || /^127(?:\.\d{1,3}){3}$/.test(lower);
}

/** An http(s) URL with the protocols given; never quoted back (it may hold a password). */
export function urlSchema(protocols: readonly string[], what: string) {
  return z.string().transform((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value.trim());
    } catch {
      url = undefined;
    }
    if (url === undefined || !protocols.includes(url.protocol)) {
      ctx.issues.push({ code: 'custom', input: '[hidden]', message: `expected ${what}` });
      return z.NEVER;
    }
    return value.trim();
  });
}

/** The log levels pino knows, plus `silent`. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link logLevels}. */
export type LogLevel = (typeof logLevels)[number];

/** A log level. */
export const logLevelSchema = z.string().transform((value, ctx) => {
  const level = value.trim().toLowerCase();
  if (!(logLevels as readonly string[]).includes(level)) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `expected one of ${logLevels.join(', ')}`,
    });
    return z.NEVER;
  }
  return level as LogLevel;
});

function describeMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function describeBytes(bytes: number): string {
  for (const [unit, factor] of [
    ['TiB', 1024 ** 4],
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes} bytes`;
}
