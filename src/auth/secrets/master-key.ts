/**
 * Where the master key comes from and how it is read. In order: `MOAT_MASTER_KEY` (environment
 * only), else `auth.masterKeyFile`, else `<dataDir>/master.key`, created with mode 0600 at the
 * first start of the embedded default. A source may hold several keys (comma- or line-separated;
 * `#` starts a comment in a file): the first is current and seals, the others still open what
 * they sealed — that is how a rotation runs without downtime. Each key is 32 bytes written as 64
 * hex digits or 44 base64 characters. Errors name the source and line, never a key.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { AuthError } from '../errors.js';

/** One master key and its public id (stored with each secret it seals). */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** Where the keys were read from. */
export type MasterKeySource = { kind: 'env' } | { kind: 'file'; path: string };

/** The keys of a source, current first. */
export interface MasterKeys {
  source: MasterKeySource;
  keys: MasterKey[];
}

/** Options naming the key's source (as `ServeConfig.auth` carries them). */
export interface MasterKeyOptions {
  masterKey?: string | undefined;
  masterKeyFile?: string | undefined;
  dataDir?: string | undefined;
}

const maxKeys = 16;
const maxFileBytes = 64 * 1024;

/** The id of a key: a truncated SHA-256 under a fixed label (never enough to recover the key). */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('moat master key id\0').update(key).digest('hex').slice(0, 16);
}

/** Parses one key written as hex or base64; undefined when it is neither form of 32 bytes. */
function parseKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(
      text,
      text.includes('-') || text.includes('_') ? 'base64url' : 'base64',
    );
    if (key.length === 32) return key;
  }
  return undefined;
}

/** The keys of a text (`where` names the source in errors). */
function parseKeys(text: string, where: string, separator: RegExp): MasterKey[] {
  const keys: MasterKey[] = [];
  const lines = text.split(separator);
  for (const [index, line] of lines.entries()) {
    const token = line.replace(/#.*$/, '').trim();
    if (token === '') continue;
    const key = parseKey(token);
    if (key === undefined) {
      throw new AuthError(
        'MASTER_KEY_INVALID',
        `${where}, key ${index + 1}: not 32 bytes as 64 hex digits or 44 base64 characters`,
      );
    }
    keys.push({ id: masterKeyId(key), key });
  }
  if (keys.length === 0) throw new AuthError('MASTER_KEY_INVALID', `${where}: holds no key`);
  if (keys.length > maxKeys) {
    throw new AuthError('MASTER_KEY_INVALID', `${where}: more than ${maxKeys} keys`);
  }
  return keys;
}

/** The file a configuration's key lives in, or undefined when it comes from the environment. */
export function masterKeyPath(options: MasterKeyOptions): string | undefined {
  if (options.masterKey !== undefined) return undefined;
  if (options.masterKeyFile !== undefined) return options.masterKeyFile;
  if (options.dataDir !== undefined) return join(options.dataDir, 'master.key');
  return undefined;
}

/**
 * Reads the master keys. The default file in the data directory is created when missing; a
 * configured `masterKeyFile` must exist.
 * @example const { keys } = loadMasterKeys({ dataDir: 'moat-data' }, console.error);
 */
export function loadMasterKeys(
  options: MasterKeyOptions,
  warn: (message: string) => void,
): MasterKeys {
  if (options.masterKey !== undefined) {
    return {
      source: { kind: 'env' },
      keys: parseKeys(options.masterKey, 'MOAT_MASTER_KEY', /[,\s]+/),
    };
  }
  const path = masterKeyPath(options);
  if (path === undefined) {
    throw new AuthError(
      'MASTER_KEY_INVALID',
      'no master key: set MOAT_MASTER_KEY or auth.masterKeyFile',
    );
  }
  if (options.masterKeyFile === undefined) createKeyFileIfMissing(path);
  return { source: { kind: 'file', path }, keys: readKeyFile(path, warn) };
}

/** Reads a key file, warning when others than its owner may read it. */
function readKeyFile(path: string, warn: (message: string) => void): MasterKey[] {
  let text: string;
  try {
    const stat = statSync(path);
    if (stat.size > maxFileBytes) {
      throw new AuthError('MASTER_KEY_INVALID', `${path}: larger than ${maxFileBytes} bytes`);
    }
    if ((stat.mode & 0o077) !== 0) {
      warn(`moat: ${path} may be read by other users than its owner: chmod 600 it`);
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(
      'MASTER_KEY_INVALID',
      `cannot read the master key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: error },
    );
  }
  return parseKeys(text, path, /\r?\n/);
}

const fileHeader =
  '# Moat master key (AES-256-GCM, secrets at rest). The first key seals; later keys only open.\n';

/**
 * Creates the default key file with a fresh key, atomically and exclusively (a link, which
 * fails when another process created it first), mode 0600.
 */
function createKeyFileIfMissing(path: string): void {
  try {
    statSync(path);
    return;
  } catch {
    // Missing: create it below.
  }
  // With PostgreSQL nothing else may have created the data directory yet.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(
    dirname(path),
    `.master.key.${process.pid}.${randomBytes(4).toString('hex')}`,
  );
  writeFileSync(temporary, `${fileHeader}${randomBytes(32).toString('hex')}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Puts a fresh key at the top of a key file (it becomes current; the old ones stay below, still
 * able to open), replacing the file atomically with mode 0600. Resolves to the new key's id.
 */
export function prependMasterKey(path: string): string {
  const old = readFileSync(path, 'utf8').replace(fileHeader, '');
  const key = randomBytes(32);
  const temporary = join(
    dirname(path),
    `.master.key.${process.pid}.${randomBytes(4).toString('hex')}`,
  );
  writeFileSync(temporary, `${fileHeader}${key.toString('hex')}\n${old}`, {
    mode: 0o600,
    flag: 'wx',
  });
  renameSync(temporary, path);
  return masterKeyId(key);
}
