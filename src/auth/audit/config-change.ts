/**
 * `config.change`: at each start, `moat serve` compares the security-relevant part of its
 * configuration with what the previous start saw (settings `audit.config`) and records the keys
 * that changed, old and new value, as actor `system`. Only keys listed here are compared and kept
 * — never a password, a key or a database URL (which can carry a password).
 */
import type { ServeConfig } from '../../server/config.js';
import { readSetting, writeSetting } from '../../store/access/secrets.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import type { AuditRecorder } from '../model.js';

const configSetting = 'audit.config';
type Value = string | number | boolean | null;

/** The compared keys of a configuration, flattened (`auth.lockoutThreshold`, …). */
export function auditedConfiguration(config: ServeConfig): Record<string, Value> {
  const { auth, limits, gc } = config;
  return {
    listen: `${config.listen.host}:${config.listen.port}`,
    publicUrl: config.publicUrl ?? null,
    tls: config.tls !== undefined,
    insecureAllowPlainHttp: config.insecureAllowPlainHttp,
    'database.kind': config.stores.metadata.kind,
    'storage.kind': config.stores.blobs.kind,
    'auth.tokenTtlSeconds': auth.tokenTtlSeconds,
    'auth.requireTwoFactor': auth.requireTwoFactor,
    'auth.sessionIdleTimeoutMs': auth.sessionIdleTimeoutMs,
    'auth.sessionMaxAgeMs': auth.sessionMaxAgeMs,
    'auth.lockoutThreshold': auth.lockoutThreshold,
    'auth.lockoutDurationMs': auth.lockoutDurationMs,
    'auth.masterKeySource':
      auth.masterKey !== undefined ? 'environment' : (auth.masterKeyFile ?? 'data directory'),
    'limits.maxManifestBytes': limits.maxManifestBytes,
    'limits.maxBlobBytes': limits.maxBlobBytes,
    'limits.uploadTtlMs': limits.uploadTtlMs,
    'limits.maxPageSize': limits.maxPageSize,
    'gc.intervalMs': gc.intervalMs ?? null,
    'gc.untagged': gc.untagged,
    'gc.gracePeriodMs': gc.gracePeriodMs,
  };
}

/**
 * Records `config.change` when `current` differs from what the previous start saw (or on the
 * first start), then remembers `current`.
 * @example await recordConfigurationChange(stores.database, access.audit, auditedConfiguration(config));
 */
export async function recordConfigurationChange(
  database: StoreDatabase,
  audit: AuditRecorder,
  current: Record<string, Value>,
): Promise<void> {
  const previousText = await database.read((db) => readSetting(db, configSetting));
  const previous = parsePrevious(previousText);
  const details: Record<string, Value> = {};
  if (previous === undefined) {
    details['initial'] = true;
  } else {
    for (const key of Object.keys(current).sort()) {
      const before = key in previous ? previous[key] : null;
      if (before !== current[key]) details[key] = `${String(before)} → ${String(current[key])}`;
    }
    if (Object.keys(details).length === 0) return;
  }
  audit.record({
    actor: 'system',
    actorKind: 'system',
    clientIp: 'local',
    action: 'config.change',
    target: 'config:serve',
    outcome: 'success',
    details,
  });
  await database.writeOne((db) => writeSetting(db, configSetting, JSON.stringify(current)));
}

function parsePrevious(text: string | undefined): Record<string, Value> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, Value>;
    }
  } catch {
    // Unreadable: compared as empty, so every key shows as changed.
  }
  return {};
}
