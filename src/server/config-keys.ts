/**
 * Every configuration key of `moat serve` once: its zod schema (the shape of `moat.yaml`, strict:
 * an unknown key is an error), its environment variable, its flag and its default. The loader
 * (`config.ts`) reads the file, the environment and the flags through this one table;
 * `docs/configuration.md` documents each key (a test holds the two together).
 */
import { z } from 'zod';

import {
  booleanSchema,
  durationSchema,
  integerSchema,
  listenSchema,
  logLevelSchema,
  scheduleSchema,
  sizeSchema,
  textSchema,
  urlSchema,
} from './config-values.js';

const MiB = 1024 ** 2;

/** A Kubernetes label selector (`matchLabels`, `matchExpressions`). */
const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string().max(317), z.string().max(63)).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string().max(317),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string().max(63)).max(100).optional(),
      }),
    )
    .max(32)
    .optional(),
});

/**
 * `admission.policies`: which policy applies to which namespaces. In `MOAT_ADMISSION_POLICIES`
 * the list is JSON text.
 */
const admissionPoliciesSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  z
    .array(
      z.strictObject({
        policyFile: textSchema('a file name'),
        namespaceSelector: labelSelectorSchema.optional(),
      }),
    )
    .max(64),
);
const GiB = 1024 ** 3;

/** The shape of `moat.yaml`; every key optional (defaults are applied after the three layers). */
export const configSchema = z.strictObject({
  listen: listenSchema.optional(),
  publicUrl: urlSchema(['http:', 'https:'], 'an http:// or https:// URL').optional(),
  dataDir: textSchema('a directory').optional(),
  insecureAllowPlainHttp: booleanSchema.optional(),
  tls: z
    .strictObject({
      certFile: textSchema('a file name').optional(),
      keyFile: textSchema('a file name').optional(),
    })
    .optional(),
  database: z
    .strictObject({
      url: urlSchema(['postgres:', 'postgresql:'], 'a postgres:// URL').optional(),
    })
    .optional(),
  s3: z
    .strictObject({
      endpoint: urlSchema(['http:', 'https:'], 'an http:// or https:// URL').optional(),
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
          message: 'expected a bucket name (3 to 63 lower-case letters, digits, dots, hyphens)',
        })
        .optional(),
      region: textSchema('a region name').optional(),
      accessKeyId: textSchema('an access key id').optional(),
      secretAccessKey: textSchema('a secret access key').optional(),
      forcePathStyle: booleanSchema.optional(),
      prefix: z
        .string()
        .regex(/^(?:[A-Za-z0-9!_.*'()-]+\/?)*$/, {
          message: 'expected a key prefix such as moat/ (no leading slash, no empty segment)',
        })
        .max(512)
        .optional(),
      partSize: sizeSchema(5 * MiB, 5 * GiB).optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      maxManifestBytes: sizeSchema(1024, 64 * MiB).optional(),
      maxBlobBytes: sizeSchema(1, 1024 ** 4 * 16).optional(),
      uploadTtl: durationSchema(1000).optional(),
      maxPageSize: integerSchema(1, 100_000).optional(),
    })
    .optional(),
  gc: z
    .strictObject({
      schedule: scheduleSchema(1000).optional(),
      untagged: booleanSchema.optional(),
      gracePeriod: durationSchema(0).optional(),
    })
    .optional(),
  auth: z
    .strictObject({
      tokenTtl: durationSchema(1000).optional(),
      adminPassword: textSchema('a password').optional(),
      requireTwoFactor: z.enum(['admins', 'all'], { message: 'expected admins or all' }).optional(),
      sessionIdleTimeout: durationSchema(60_000).optional(),
      sessionMaxAge: durationSchema(60_000).optional(),
      lockoutThreshold: integerSchema(1, 1000).optional(),
      lockoutDuration: durationSchema(1000).optional(),
      masterKey: textSchema('a master key').optional(),
      masterKeyFile: textSchema('a file name').optional(),
    })
    .optional(),
  log: z.strictObject({ level: logLevelSchema.optional() }).optional(),
  scan: z
    .strictObject({
      onPush: booleanSchema.optional(),
      cacheDir: textSchema('a directory').optional(),
      offline: booleanSchema.optional(),
    })
    .optional(),
  jobs: z
    .strictObject({
      redisUrl: urlSchema(['redis:', 'rediss:'], 'a redis:// or rediss:// URL').optional(),
      concurrency: integerSchema(1, 64).optional(),
      lockTimeout: durationSchema(1000).optional(),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1 to 64 of A-Z a-z 0-9 _ . -')
        .optional(),
    })
    .optional(),
  gate: z.strictObject({ pendingTimeout: durationSchema(0).optional() }).optional(),
  admission: z
    .strictObject({
      policyFile: textSchema('a file name').optional(),
      policies: admissionPoliciesSchema.optional(),
      cacheTtl: durationSchema(0).optional(),
      timeout: durationSchema(100).optional(),
    })
    .optional(),
});

/** The typed, partial configuration one layer (file, environment, flags) gives. */
export type ConfigLayer = z.output<typeof configSchema>;

/** How one key is set besides `moat.yaml`. */
export interface ConfigKey {
  /** Dotted path in `moat.yaml`, e.g. `limits.maxManifestBytes`. */
  path: string;
  /** Environment variable. */
  env: string;
  /** Command-line flag, when there is one: its spelling and commander's attribute name. */
  flag?: { spelling: string; attribute: string };
  /** Never accepted from the file (a secret). */
  envOnly?: boolean;
  /** Never quoted, logged or shown. */
  secret?: boolean;
}

/** Every key, in the order `docs/configuration.md` lists them. */
export const configKeys: readonly ConfigKey[] = [
  { path: 'listen', env: 'MOAT_LISTEN', flag: { spelling: '--listen', attribute: 'listen' } },
  { path: 'publicUrl', env: 'MOAT_PUBLIC_URL' },
  { path: 'dataDir', env: 'MOAT_DATA_DIR', flag: { spelling: '--data', attribute: 'data' } },
  {
    path: 'tls.certFile',
    env: 'MOAT_TLS_CERT',
    flag: { spelling: '--tls-cert', attribute: 'tlsCert' },
  },
  {
    path: 'tls.keyFile',
    env: 'MOAT_TLS_KEY',
    flag: { spelling: '--tls-key', attribute: 'tlsKey' },
  },
  {
    path: 'insecureAllowPlainHttp',
    env: 'MOAT_ALLOW_PLAIN_HTTP',
    flag: { spelling: '--allow-plain-http', attribute: 'allowPlainHttp' },
  },
  { path: 'database.url', env: 'MOAT_DATABASE_URL', secret: true },
  { path: 's3.endpoint', env: 'MOAT_S3_ENDPOINT' },
  { path: 's3.bucket', env: 'MOAT_S3_BUCKET' },
  { path: 's3.region', env: 'MOAT_S3_REGION' },
  { path: 's3.accessKeyId', env: 'MOAT_S3_ACCESS_KEY_ID' },
  { path: 's3.secretAccessKey', env: 'MOAT_S3_SECRET_ACCESS_KEY', secret: true },
  { path: 's3.forcePathStyle', env: 'MOAT_S3_FORCE_PATH_STYLE' },
  { path: 's3.prefix', env: 'MOAT_S3_PREFIX' },
  { path: 's3.partSize', env: 'MOAT_S3_PART_SIZE' },
  { path: 'limits.maxManifestBytes', env: 'MOAT_LIMITS_MAX_MANIFEST_BYTES' },
  { path: 'limits.maxBlobBytes', env: 'MOAT_LIMITS_MAX_BLOB_BYTES' },
  { path: 'limits.uploadTtl', env: 'MOAT_LIMITS_UPLOAD_TTL' },
  { path: 'limits.maxPageSize', env: 'MOAT_LIMITS_MAX_PAGE_SIZE' },
  { path: 'gc.schedule', env: 'MOAT_GC_SCHEDULE' },
  { path: 'gc.untagged', env: 'MOAT_GC_UNTAGGED' },
  { path: 'gc.gracePeriod', env: 'MOAT_GC_GRACE_PERIOD' },
  { path: 'auth.tokenTtl', env: 'MOAT_AUTH_TOKEN_TTL' },
  { path: 'auth.adminPassword', env: 'MOAT_ADMIN_PASSWORD', envOnly: true, secret: true },
  { path: 'auth.requireTwoFactor', env: 'MOAT_AUTH_REQUIRE_TWO_FACTOR' },
  { path: 'auth.sessionIdleTimeout', env: 'MOAT_AUTH_SESSION_IDLE_TIMEOUT' },
  { path: 'auth.sessionMaxAge', env: 'MOAT_AUTH_SESSION_MAX_AGE' },
  { path: 'auth.lockoutThreshold', env: 'MOAT_AUTH_LOCKOUT_THRESHOLD' },
  { path: 'auth.lockoutDuration', env: 'MOAT_AUTH_LOCKOUT_DURATION' },
  { path: 'auth.masterKey', env: 'MOAT_MASTER_KEY', envOnly: true, secret: true },
  { path: 'auth.masterKeyFile', env: 'MOAT_MASTER_KEY_FILE' },
  { path: 'scan.onPush', env: 'MOAT_SCAN_ON_PUSH' },
  { path: 'scan.cacheDir', env: 'MOAT_CACHE_DIR' },
  { path: 'scan.offline', env: 'MOAT_OFFLINE' },
  { path: 'jobs.redisUrl', env: 'MOAT_REDIS_URL', secret: true },
  { path: 'jobs.concurrency', env: 'MOAT_JOBS_CONCURRENCY' },
  { path: 'jobs.lockTimeout', env: 'MOAT_JOBS_LOCK_TIMEOUT' },
  { path: 'jobs.prefix', env: 'MOAT_JOBS_PREFIX' },
  { path: 'gate.pendingTimeout', env: 'MOAT_GATE_PENDING_TIMEOUT' },
  { path: 'admission.policyFile', env: 'MOAT_ADMISSION_POLICY' },
  { path: 'admission.policies', env: 'MOAT_ADMISSION_POLICIES' },
  { path: 'admission.cacheTtl', env: 'MOAT_ADMISSION_CACHE_TTL' },
  { path: 'admission.timeout', env: 'MOAT_ADMISSION_TIMEOUT' },
  {
    path: 'log.level',
    env: 'MOAT_LOG_LEVEL',
    flag: { spelling: '--log-level', attribute: 'logLevel' },
  },
];

/** The leaf paths of {@link configSchema}, for the test that every key is in the table and docs. */
export function schemaLeafPaths(): string[] {
  const paths: string[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [name, schema] of Object.entries(shape)) {
      const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
      if (inner instanceof z.ZodObject) walk(inner.shape, `${prefix}${name}.`);
      else paths.push(`${prefix}${name}`);
    }
  };
  walk(configSchema.shape, '');
  return paths;
}
