/**
 * The configuration of `moat serve`: `moat.yaml` in the working directory (or `--config FILE`),
 * then `MOAT_*` environment variables, then flags, each layer validated with zod on its own so
 * that an error names the key as the user wrote it (`limits.maxManifestBytes in moat.yaml`,
 * `MOAT_S3_BUCKET`, `--listen`). The result is resolved to the stores to open: SQLite and the
 * filesystem in the data directory unless a database URL and an S3 bucket are given. Secrets (the
 * administrator's password, the S3 secret key, the database URL) never appear in a message.
 */
import { join, resolve } from 'node:path';

import { defaultCacheDir } from '../util/cache-paths.js';
import type { BlobStoreConfig, MetadataStoreConfig } from '../store/types.js';
import type { RegistryLimits } from './context.js';
import type { ConfigLayer } from './config-keys.js';
import {
  envLayer,
  flagLayer,
  invalid,
  keyOf,
  readConfigFile,
  type Pick,
  type Picked,
} from './config-layers.js';
import { isLoopback, type ListenAddress, type LogLevel } from './config-values.js';
import { readTlsFiles } from './tls.js';

/** The validated configuration of one `moat serve` process. */
export interface ServeConfig {
  listen: ListenAddress;
  /** The URL clients reach this registry at (token realm, `Location` base); derived when absent. */
  publicUrl?: string;
  /** Absolute path of the data directory. */
  dataDir: string;
  /** Absolute paths of the certificate chain and key; absent for plain HTTP. */
  tls?: { certFile: string; keyFile: string };
  insecureAllowPlainHttp: boolean;
  /** Which stores to open. */
  stores: { metadata: MetadataStoreConfig; blobs: BlobStoreConfig };
  limits: RegistryLimits;
  gc: {
    /** Interval between scheduled runs, ms; undefined when `gc.schedule` is `off`. */
    intervalMs?: number;
    untagged: boolean;
    gracePeriodMs: number;
  };
  auth: {
    tokenTtlSeconds: number;
    adminPassword?: string;
    /** Who must enrol a second factor before doing anything else. */
    requireTwoFactor: 'admins' | 'all';
    sessionIdleTimeoutMs: number;
    sessionMaxAgeMs: number;
    /** Failed logins (per user or per address) before a temporary lockout. */
    lockoutThreshold: number;
    /** The longest lockout; the backoff doubles up to it. */
    lockoutDurationMs: number;
    /**
     * The master key (`MOAT_MASTER_KEY`, environment only) or the file holding it; neither: the
     * embedded default keeps one in `<dataDir>/master.key` (see `auth/secrets/`).
     */
    masterKey?: string;
    masterKeyFile?: string;
  };
  log: { level: LogLevel };
  /** Scan on push and the vulnerability database the server matches against. */
  scan: {
    onPush: boolean;
    /** Holds the vulnerability database, as `moat scan --cache-dir` (default: `MOAT_CACHE_DIR`, XDG, `~/.cache/moat`). */
    cacheDir: string;
    /** Never fetch the database (scans fail while there is none). */
    offline: boolean;
  };
  /** Background jobs: in-process without `redisUrl`, BullMQ on Redis with it. */
  jobs: {
    redisUrl?: string;
    concurrency: number;
    /**
     * How long a running job's process may go silent before the job counts as abandoned and runs
     * elsewhere (BullMQ lock, scan heartbeat), ms; 30 s when absent.
     */
    lockTimeoutMs?: number;
    /** Key prefix of the jobs in Redis: processes that share jobs use the same one (`moat`). */
    prefix?: string;
  };
  /** Registry enforcement: how long a pull waits for a pending scan (policy `onPending: wait`). */
  gate: { pendingTimeoutMs: number };
  /** The Kubernetes admission webhook (`/admission/validate`, `/admission/mutate`). */
  admission: {
    /** Absolute path of the policy bound to every namespace (`MOAT_ADMISSION_POLICY`). */
    policyFile?: string;
    /** Policies bound to namespaces by label selector, in order; paths absolute. */
    policies: AdmissionPolicyBinding[];
    /** How long a decision is cached per (policy, digest). */
    cacheTtlMs: number;
    /** A decision not made within this answers per the documented failure mode. */
    timeoutMs: number;
  };
}

/** A Kubernetes label selector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

/** One policy bound to the namespaces a selector matches (all namespaces without one). */
export interface AdmissionPolicyBinding {
  policyFile: string;
  namespaceSelector?: LabelSelector;
}

/** Where the configuration comes from. */
export interface LoadServeConfigOptions {
  /** Flags as commander parses them (`listen`, `data`, `tlsCert`, `tlsKey`, `allowPlainHttp`, `logLevel`). */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** `--config FILE`: must exist. Without it `moat.yaml` in `cwd` is read when present. */
  configFile?: string;
  cwd: string;
}

const defaults = {
  listen: { host: '127.0.0.1', port: 5000 },
  dataDir: './moat-data',
  maxManifestBytes: 4 * 1024 ** 2,
  maxBlobBytes: 16 * 1024 ** 3,
  uploadTtlMs: 3_600_000,
  maxPageSize: 1000,
  gracePeriodMs: 3_600_000,
  tokenTtlMs: 300_000,
  sessionIdleTimeoutMs: 30 * 60_000,
  sessionMaxAgeMs: 12 * 3_600_000,
  lockoutThreshold: 5,
  lockoutDurationMs: 15 * 60_000,
  s3Region: 'us-east-1',
  s3PartSize: 8 * 1024 ** 2,
  jobsConcurrency: 1,
  pendingTimeoutMs: 60_000,
  admissionCacheTtlMs: 5 * 60_000,
  admissionTimeoutMs: 8_000,
};

/**
 * Reads, merges and validates the configuration; throws `CONFIG_INVALID` naming the key.
 * @example
 * const config = loadServeConfig({ flags: { listen: '127.0.0.1:0' }, env: process.env, cwd: process.cwd() });
 */
export function loadServeConfig(options: LoadServeConfigOptions): ServeConfig {
  const file = readConfigFile(options);
  const env = envLayer(options.env, options.cwd);
  const flags = flagLayer(options.flags, options.cwd);
  const layers = [file, env, flags].filter((layer) => layer !== undefined);
  const pick = <T>(get: (layer: ConfigLayer) => T | undefined): Picked<T> | undefined => {
    let found: Picked<T> | undefined;
    for (const layer of layers) {
      const value = get(layer.values);
      if (value !== undefined) found = { value, layer };
    }
    return found;
  };
  return resolveConfig(pick, options.cwd);
}

function pathOf(picked: Picked<string> | undefined): string | undefined {
  return picked ? resolve(picked.layer.baseDir, picked.value) : undefined;
}

function resolveConfig(pick: Pick, cwd: string): ServeConfig {
  const where = (picked: Picked<unknown> | undefined, path: string) =>
    picked ? picked.layer.name(keyOf(path)) : path;

  const listen = pick((c) => c.listen);
  const dataDir = pathOf(pick((c) => c.dataDir)) ?? resolve(cwd, defaults.dataDir);
  const certPicked = pick((c) => c.tls?.certFile);
  const keyPicked = pick((c) => c.tls?.keyFile);
  const certFile = pathOf(certPicked);
  const keyFile = pathOf(keyPicked);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw invalid(
      certFile === undefined
        ? `${where(keyPicked, 'tls.keyFile')} is set without tls.certFile (MOAT_TLS_CERT, --tls-cert)`
        : `${where(certPicked, 'tls.certFile')} is set without tls.keyFile (MOAT_TLS_KEY, --tls-key)`,
    );
  }
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined;
  if (tls) {
    readTlsFiles(tls, {
      cert: where(certPicked, 'tls.certFile'),
      key: where(keyPicked, 'tls.keyFile'),
    });
  }
  const address = listen?.value ?? defaults.listen;
  const plainAllowed = pick((c) => c.insecureAllowPlainHttp)?.value ?? false;
  if (!tls && !plainAllowed && !isLoopback(address.host)) {
    throw invalid(
      `${where(listen, 'listen')}: plain HTTP on ${address.host}, which other machines reach, is ` +
        'refused: give tls.certFile and tls.keyFile (--tls-cert, --tls-key), or allow it with ' +
        '--allow-plain-http (insecureAllowPlainHttp, MOAT_ALLOW_PLAIN_HTTP) behind a TLS proxy',
    );
  }
  const publicUrl = pick((c) => c.publicUrl)?.value;
  return {
    listen: address,
    ...(publicUrl !== undefined ? { publicUrl: publicUrl.replace(/\/+$/, '') } : {}),
    dataDir,
    ...(tls ? { tls } : {}),
    insecureAllowPlainHttp: plainAllowed,
    stores: { metadata: metadataStore(pick, dataDir), blobs: blobStore(pick, dataDir, where) },
    limits: {
      maxManifestBytes: pick((c) => c.limits?.maxManifestBytes)?.value ?? defaults.maxManifestBytes,
      maxBlobBytes: pick((c) => c.limits?.maxBlobBytes)?.value ?? defaults.maxBlobBytes,
      uploadTtlMs: pick((c) => c.limits?.uploadTtl)?.value ?? defaults.uploadTtlMs,
      maxPageSize: pick((c) => c.limits?.maxPageSize)?.value ?? defaults.maxPageSize,
    },
    gc: gcConfig(pick),
    auth: authConfig(pick),
    log: { level: pick((c) => c.log?.level)?.value ?? 'info' },
    scan: {
      onPush: pick((c) => c.scan?.onPush)?.value ?? true,
      cacheDir: pathOf(pick((c) => c.scan?.cacheDir)) ?? defaultCacheDir(),
      offline: pick((c) => c.scan?.offline)?.value ?? false,
    },
    jobs: jobsConfig(pick),
    gate: {
      pendingTimeoutMs: pick((c) => c.gate?.pendingTimeout)?.value ?? defaults.pendingTimeoutMs,
    },
    admission: admissionConfig(pick),
  };
}

function jobsConfig(pick: Pick): ServeConfig['jobs'] {
  const redisUrl = pick((c) => c.jobs?.redisUrl)?.value;
  const lockTimeoutMs = pick((c) => c.jobs?.lockTimeout)?.value;
  const prefix = pick((c) => c.jobs?.prefix)?.value;
  return {
    ...(prefix !== undefined ? { prefix } : {}),
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    concurrency: pick((c) => c.jobs?.concurrency)?.value ?? defaults.jobsConcurrency,
    ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
  };
}

function admissionConfig(pick: Pick): ServeConfig['admission'] {
  const policyFile = pathOf(pick((c) => c.admission?.policyFile));
  const policies = pick((c) => c.admission?.policies);
  return {
    ...(policyFile !== undefined ? { policyFile } : {}),
    policies: (policies?.value ?? []).map((binding) => ({
      policyFile: resolve(policies?.layer.baseDir ?? '.', binding.policyFile),
      ...(binding.namespaceSelector !== undefined
        ? { namespaceSelector: binding.namespaceSelector }
        : {}),
    })),
    cacheTtlMs: pick((c) => c.admission?.cacheTtl)?.value ?? defaults.admissionCacheTtlMs,
    timeoutMs: pick((c) => c.admission?.timeout)?.value ?? defaults.admissionTimeoutMs,
  };
}

function gcConfig(pick: Pick): ServeConfig['gc'] {
  // `off` parses to undefined, which `pick` cannot tell from "not set": look at each layer's raw
  // presence instead, the last layer that names the key winning.
  const schedule = pick((c) => (c.gc && 'schedule' in c.gc ? { ms: c.gc.schedule } : undefined));
  const intervalMs = schedule?.value.ms;
  return {
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    untagged: pick((c) => c.gc?.untagged)?.value ?? false,
    gracePeriodMs: pick((c) => c.gc?.gracePeriod)?.value ?? defaults.gracePeriodMs,
  };
}

function authConfig(pick: Pick): ServeConfig['auth'] {
  const tokenTtlMs = pick((c) => c.auth?.tokenTtl)?.value ?? defaults.tokenTtlMs;
  const adminPassword = pick((c) => c.auth?.adminPassword)?.value;
  const masterKey = pick((c) => c.auth?.masterKey)?.value;
  const masterKeyFile = pathOf(pick((c) => c.auth?.masterKeyFile));
  return {
    tokenTtlSeconds: Math.max(1, Math.round(tokenTtlMs / 1000)),
    ...(adminPassword !== undefined ? { adminPassword } : {}),
    requireTwoFactor: pick((c) => c.auth?.requireTwoFactor)?.value ?? 'admins',
    sessionIdleTimeoutMs:
      pick((c) => c.auth?.sessionIdleTimeout)?.value ?? defaults.sessionIdleTimeoutMs,
    sessionMaxAgeMs: pick((c) => c.auth?.sessionMaxAge)?.value ?? defaults.sessionMaxAgeMs,
    lockoutThreshold: pick((c) => c.auth?.lockoutThreshold)?.value ?? defaults.lockoutThreshold,
    lockoutDurationMs: pick((c) => c.auth?.lockoutDuration)?.value ?? defaults.lockoutDurationMs,
    ...(masterKey !== undefined ? { masterKey } : {}),
    ...(masterKeyFile !== undefined ? { masterKeyFile } : {}),
  };
}

function metadataStore(pick: Pick, dataDir: string): MetadataStoreConfig {
  const url = pick((c) => c.database?.url)?.value;
  return url !== undefined
    ? { kind: 'postgres', url }
    : { kind: 'sqlite', path: join(dataDir, 'moat.db') };
}

function blobStore(
  pick: Pick,
  dataDir: string,
  where: (picked: Picked<unknown> | undefined, path: string) => string,
): BlobStoreConfig {
  const bucket = pick((c) => c.s3?.bucket)?.value;
  const s3Keys = [
    'endpoint',
    'region',
    'accessKeyId',
    'secretAccessKey',
    'forcePathStyle',
    'prefix',
    'partSize',
  ] as const;
  if (bucket === undefined) {
    for (const name of s3Keys) {
      const picked = pick((c) => c.s3?.[name]);
      if (picked) {
        throw invalid(
          `${where(picked, `s3.${name}`)} is set but s3.bucket (MOAT_S3_BUCKET) is not: ` +
            'set the bucket to store blobs in S3, or remove the S3 settings',
        );
      }
    }
    return { kind: 'fs', root: join(dataDir, 'blobs') };
  }
  const accessKey = pick((c) => c.s3?.accessKeyId);
  const secretKey = pick((c) => c.s3?.secretAccessKey);
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw invalid(
      accessKey === undefined
        ? `${where(secretKey, 's3.secretAccessKey')} is set without s3.accessKeyId (MOAT_S3_ACCESS_KEY_ID)`
        : `${where(accessKey, 's3.accessKeyId')} is set without s3.secretAccessKey (MOAT_S3_SECRET_ACCESS_KEY)`,
    );
  }
  const endpoint = pick((c) => c.s3?.endpoint)?.value;
  const prefix = pick((c) => c.s3?.prefix)?.value ?? '';
  return {
    kind: 's3',
    ...(endpoint !== undefined ? { endpoint } : {}),
    bucket,
    region: pick((c) => c.s3?.region)?.value ?? defaults.s3Region,
    ...(accessKey && secretKey
      ? { accessKeyId: accessKey.value, secretAccessKey: secretKey.value }
      : {}),
    forcePathStyle: pick((c) => c.s3?.forcePathStyle)?.value ?? false,
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    partSize: pick((c) => c.s3?.partSize)?.value ?? defaults.s3PartSize,
  };
}
