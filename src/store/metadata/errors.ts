/**
 * Database failures as the store's error codes: a database that cannot be reached (refused
 * connection, server shutting down, file locked or unreadable) is `STORE_UNAVAILABLE`, a full disk
 * is `STORE_FULL`. Anything else (a bug, a constraint we did not expect) passes through unchanged.
 */
import { StoreError } from '../../errors.js';

// Node's socket errors when PostgreSQL cannot be reached.
const unreachable = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * The error to throw for a failure of a database call: a {@link StoreError} when the failure means
 * "unavailable" or "full", else the error itself.
 * @example catch (error) { throw translateDatabaseError(error); }
 */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === undefined) {
    // pg reports a dropped or timed-out connection without a code.
    if (
      /Connection terminated|timeout exceeded when trying to connect|encountered a connection error and is not queryable/i.test(
        message,
      )
    ) {
      return new StoreError('STORE_UNAVAILABLE', `metadata database unavailable: ${message}`, {
        cause: error,
      });
    }
    return error;
  }
  if (code === 'SQLITE_FULL' || code === '53100' /* disk_full */) {
    return new StoreError('STORE_FULL', `metadata database: no space left: ${message}`, {
      cause: error,
    });
  }
  if (
    unreachable.has(code) ||
    code.startsWith('08') /* connection_exception */ ||
    code === '57P01' /* admin_shutdown */ ||
    code === '57P02' /* crash_shutdown */ ||
    code === '57P03' /* cannot_connect_now */ ||
    code === '53300' /* too_many_connections */ ||
    code === '3D000' /* invalid_catalog_name: the database does not exist */ ||
    code === 'SQLITE_BUSY' ||
    code.startsWith('SQLITE_BUSY_') ||
    code === 'SQLITE_CANTOPEN' ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_READONLY'
  ) {
    return new StoreError('STORE_UNAVAILABLE', `metadata database unavailable: ${message}`, {
      cause: error,
    });
  }
  return error;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
