/**
 * The three layers of `moat serve`'s configuration — `moat.yaml` (or `--config FILE`), the
 * `MOAT_*` environment variables and the flags — each read and validated with zod on its own, so
 * that an error names the key as the user wrote it (`limits.maxManifestBytes in moat.yaml`,
 * `MOAT_S3_BUCKET`, `--listen`). `config.ts` merges them (the last layer that sets a key wins)
 * and resolves the result.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

import { parseDocument } from 'yaml';
import type { z } from 'zod';

import { MoatError } from '../errors.js';
import { configKeys, configSchema, type ConfigKey, type ConfigLayer } from './config-keys.js';

/** Where a layer's configuration comes from (`LoadServeConfigOptions` without the flags). */
interface LayerSources {
  env: NodeJS.ProcessEnv;
  configFile?: string;
  cwd: string;
}

/** The largest configuration file read (it is a handful of keys). */
const maxConfigFileBytes = 1024 * 1024;

export interface Layer {
  values: ConfigLayer;
  /** Relative paths in this layer are resolved against this directory. */
  baseDir: string;
  /** How a key of this layer is named in a message. */
  name(key: ConfigKey): string;
}

export interface Picked<T> {
  value: T;
  layer: Layer;
}

export type Pick = <T>(get: (layer: ConfigLayer) => T | undefined) => Picked<T> | undefined;

export function keyOf(path: string): ConfigKey {
  const key = configKeys.find((k) => k.path === path);
  if (!key) throw new Error(`no configuration key ${path}`);
  return key;
}

export function invalid(message: string): MoatError {
  return new MoatError('CONFIG_INVALID', message);
}

export function readConfigFile(options: LayerSources): Layer | undefined {
  const explicit = options.configFile !== undefined;
  const path = resolve(options.cwd, options.configFile ?? 'moat.yaml');
  const shown = explicit ? (options.configFile ?? path) : basename(path);
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > maxConfigFileBytes) {
      throw invalid(`${shown}: larger than ${maxConfigFileBytes} bytes`);
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof MoatError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return undefined;
    throw new MoatError(
      'CONFIG_INVALID',
      `${shown}: cannot read the configuration file (${code ?? 'error'})`,
      { cause: error },
    );
  }
  const document = parseDocument(text, { prettyErrors: false });
  const yamlError = document.errors[0];
  if (yamlError) {
    const line = text.slice(0, yamlError.pos[0]).split('\n').length;
    // The error's own message is left out: it quotes the offending text, which may be a secret.
    throw invalid(`${shown}: not valid YAML (line ${line}): ${yamlError.code}`);
  }
  const raw: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  const name = (key: ConfigKey) => `${key.path} in ${shown}`;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(`${shown}: expected a mapping of keys such as listen and dataDir`);
  }
  const auth = (raw as { auth?: { adminPassword?: unknown; masterKey?: unknown } }).auth;
  if (auth?.adminPassword !== undefined) {
    throw invalid(
      `${name(keyOf('auth.adminPassword'))}: the password is read only from MOAT_ADMIN_PASSWORD, never from a file`,
    );
  }
  if (auth?.masterKey !== undefined) {
    throw invalid(
      `${name(keyOf('auth.masterKey'))}: the master key is read only from MOAT_MASTER_KEY, never from this file (use auth.masterKeyFile)`,
    );
  }
  return { values: parseLayer(raw, (path) => `${path} in ${shown}`), baseDir: dirname(path), name };
}

export function envLayer(env: NodeJS.ProcessEnv, cwd: string): Layer {
  const raw: Record<string, unknown> = {};
  for (const key of configKeys) {
    const value = env[key.env];
    if (value === undefined || value === '') continue;
    setPath(raw, key.path, value);
  }
  const name = (key: ConfigKey) => key.env;
  return {
    values: parseLayer(raw, (path) => configKeys.find((k) => k.path === path)?.env ?? path),
    baseDir: cwd,
    name,
  };
}

export function flagLayer(flags: Record<string, unknown>, cwd: string): Layer {
  const raw: Record<string, unknown> = {};
  for (const key of configKeys) {
    const value = key.flag ? flags[key.flag.attribute] : undefined;
    if (value === undefined) continue;
    setPath(raw, key.path, value);
  }
  const name = (key: ConfigKey) => key.flag?.spelling ?? key.path;
  const nameOf = (path: string) => {
    const key = configKeys.find((k) => k.path === path);
    return key ? name(key) : path;
  };
  return { values: parseLayer(raw, nameOf), baseDir: cwd, name };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = (node[part] ??= {}) as Record<string, unknown>;
    node = next;
  }
  node[parts[parts.length - 1] ?? ''] = value;
}

/** Validates one layer; the first problem becomes the error, named by `nameOf(path)`. */
function parseLayer(raw: unknown, nameOf: (path: string) => string): ConfigLayer {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw invalid(describeIssue(result.error.issues, nameOf));
}

function describeIssue(
  issues: readonly z.core.$ZodIssue[],
  nameOf: (path: string) => string,
): string {
  // An unknown key (a typo) explains the rest: report it first.
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown?.code === 'unrecognized_keys') {
    const prefix = unknown.path.map(String).join('.');
    const paths = unknown.keys.map((k) => (prefix ? `${prefix}.${k}` : k));
    return `unknown key${paths.length > 1 ? 's' : ''} ${nameOf(paths.join(', '))}`;
  }
  const issue = issues[0];
  if (!issue) return 'invalid configuration';
  const path = issue.path.map(String).join('.');
  const message =
    issue.code === 'invalid_type'
      ? issue.expected === 'object'
        ? 'expected a mapping'
        : `expected ${issue.expected === 'string' ? 'text' : issue.expected}`
      : issue.code === 'invalid_union'
        ? 'expected text, a number or true/false'
        : issue.message;
  return `${nameOf(path)}: ${message}`;
}
