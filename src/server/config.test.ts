import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isMoatError } from '../errors.js';
import { makeSelfSigned, type SelfSigned } from './__fixtures__/self-signed.js';
import { configKeys, schemaLeafPaths } from './config-keys.js';
import { parseDuration, parseSize } from './config-values.js';
import { loadServeConfig, type LoadServeConfigOptions } from './config.js';

let dir: string;
let cert: SelfSigned;
let otherCert: SelfSigned;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'moat-config-'));
  cert = makeSelfSigned(dir);
  otherCert = makeSelfSigned(dir, 'other');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh working directory holding `moat.yaml` with `yaml` (none when undefined). */
function workdir(yaml?: string): string {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  if (yaml !== undefined) writeFileSync(join(cwd, 'moat.yaml'), yaml);
  return cwd;
}

function load(options: Partial<LoadServeConfigOptions> & { yaml?: string }) {
  const cwd = options.cwd ?? workdir(options.yaml);
  return loadServeConfig({
    flags: options.flags ?? {},
    env: options.env ?? {},
    cwd,
    ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
  });
}

/** The message of the CONFIG_INVALID error `run` throws. */
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isMoatError(error) && error.code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('no error thrown');
}

describe('loadServeConfig defaults', () => {
  it('starts on the embedded default with nothing configured', () => {
    const cwd = workdir();
    const config = load({ cwd });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(config.dataDir).toBe(join(cwd, 'moat-data'));
    expect(config.stores.metadata).toEqual({
      kind: 'sqlite',
      path: join(cwd, 'moat-data', 'moat.db'),
    });
    expect(config.stores.blobs).toEqual({ kind: 'fs', root: join(cwd, 'moat-data', 'blobs') });
    expect(config.limits).toEqual({
      maxManifestBytes: 4 * 1024 ** 2,
      maxBlobBytes: 16 * 1024 ** 3,
      uploadTtlMs: 3_600_000,
      maxPageSize: 1000,
    });
    expect(config.gc).toEqual({ untagged: false, gracePeriodMs: 3_600_000 });
    expect(config.auth).toEqual({
      tokenTtlSeconds: 300,
      requireTwoFactor: 'admins',
      sessionIdleTimeoutMs: 1_800_000,
      sessionMaxAgeMs: 43_200_000,
      lockoutThreshold: 5,
      lockoutDurationMs: 900_000,
    });
    expect(config.log.level).toBe('info');
    expect(config.tls).toBeUndefined();
    expect(config.insecureAllowPlainHttp).toBe(false);
  });
});

describe('loadServeConfig precedence: file, then environment, then flags', () => {
  const yaml = [
    'listen: 127.0.0.1:6000',
    'dataDir: data-from-file',
    'publicUrl: https://registry.example.com/',
    'limits:',
    '  maxManifestBytes: 1MiB',
    '  maxBlobBytes: 1048576',
    '  uploadTtl: 30m',
    '  maxPageSize: 50',
    'gc:',
    '  schedule: 24h',
    '  untagged: true',
    '  gracePeriod: 2h',
    'auth:',
    '  tokenTtl: 10m',
    'log:',
    '  level: debug',
  ].join('\n');

  it('reads every key from moat.yaml', () => {
    const cwd = workdir(yaml);
    const config = load({ cwd });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 6000 });
    expect(config.dataDir).toBe(join(cwd, 'data-from-file'));
    expect(config.publicUrl).toBe('https://registry.example.com');
    expect(config.limits).toEqual({
      maxManifestBytes: 1024 ** 2,
      maxBlobBytes: 1048576,
      uploadTtlMs: 1_800_000,
      maxPageSize: 50,
    });
    expect(config.gc).toEqual({ intervalMs: 86_400_000, untagged: true, gracePeriodMs: 7_200_000 });
    expect(config.auth.tokenTtlSeconds).toBe(600);
    expect(config.log.level).toBe('debug');
  });

  it('lets the environment override the file', () => {
    const cwd = workdir(yaml);
    const config = load({
      cwd,
      env: {
        MOAT_LISTEN: '127.0.0.1:7000',
        MOAT_DATA_DIR: '/srv/moat',
        MOAT_PUBLIC_URL: 'https://other.example.com',
        MOAT_LIMITS_MAX_MANIFEST_BYTES: '2MiB',
        MOAT_LIMITS_MAX_BLOB_BYTES: '1GiB',
        MOAT_LIMITS_UPLOAD_TTL: '5m',
        MOAT_LIMITS_MAX_PAGE_SIZE: '75',
        MOAT_GC_SCHEDULE: 'off',
        MOAT_GC_UNTAGGED: 'false',
        MOAT_GC_GRACE_PERIOD: '30s',
        MOAT_AUTH_TOKEN_TTL: '1m',
        MOAT_ADMIN_PASSWORD: 'from-env-1234',
        MOAT_LOG_LEVEL: 'warn',
      },
    });
    expect(config.listen.port).toBe(7000);
    expect(config.dataDir).toBe('/srv/moat');
    expect(config.publicUrl).toBe('https://other.example.com');
    expect(config.limits).toEqual({
      maxManifestBytes: 2 * 1024 ** 2,
      maxBlobBytes: 1024 ** 3,
      uploadTtlMs: 300_000,
      maxPageSize: 75,
    });
    expect(config.gc).toEqual({ untagged: false, gracePeriodMs: 30_000 });
    expect(config.auth).toMatchObject({ tokenTtlSeconds: 60, adminPassword: 'from-env-1234' });
    expect(config.log.level).toBe('warn');
  });

  it('lets flags override the environment and the file', () => {
    const cwd = workdir(yaml);
    const config = load({
      cwd,
      env: { MOAT_LISTEN: '127.0.0.1:7000', MOAT_DATA_DIR: '/srv/moat', MOAT_LOG_LEVEL: 'warn' },
      flags: {
        listen: '127.0.0.1:0',
        data: 'flag-data',
        logLevel: 'error',
        tlsCert: cert.certFile,
        tlsKey: cert.keyFile,
      },
    });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.dataDir).toBe(join(cwd, 'flag-data'));
    expect(config.log.level).toBe('error');
    expect(config.tls).toEqual(cert);
  });

  it('takes TLS files and plain-HTTP permission from each layer', () => {
    const fromFile = load({
      yaml: `tls:\n  certFile: ${cert.certFile}\n  keyFile: ${cert.keyFile}\ninsecureAllowPlainHttp: true\n`,
    });
    expect(fromFile.tls).toEqual(cert);
    expect(fromFile.insecureAllowPlainHttp).toBe(true);
    const fromEnv = load({
      env: {
        MOAT_TLS_CERT: cert.certFile,
        MOAT_TLS_KEY: cert.keyFile,
        MOAT_ALLOW_PLAIN_HTTP: 'true',
      },
    });
    expect(fromEnv.tls).toEqual(cert);
    expect(fromEnv.insecureAllowPlainHttp).toBe(true);
    const fromFlags = load({
      yaml: 'insecureAllowPlainHttp: false\n',
      flags: { allowPlainHttp: true },
    });
    expect(fromFlags.insecureAllowPlainHttp).toBe(true);
  });

  it('resolves paths in a --config file against that file’s folder', () => {
    const cwd = workdir();
    const configDir = mkdtempSync(join(dir, 'etc-'));
    writeFileSync(join(configDir, 'serve.yaml'), 'dataDir: ./var\n');
    const config = load({ cwd, configFile: join(configDir, 'serve.yaml') });
    expect(config.dataDir).toBe(join(configDir, 'var'));
  });
});

describe('loadServeConfig stores', () => {
  it('opens PostgreSQL with a database URL and S3 with a bucket', () => {
    const config = load({
      yaml: 's3:\n  region: eu-west-1\n  prefix: moat\n  partSize: 16MiB\n',
      env: {
        MOAT_DATABASE_URL: 'postgres://moat:pw@db.internal:5432/moat',
        MOAT_S3_ENDPOINT: 'http://127.0.0.1:9000',
        MOAT_S3_BUCKET: 'moat-blobs',
        MOAT_S3_ACCESS_KEY_ID: 'AKID',
        MOAT_S3_SECRET_ACCESS_KEY: 'SECRET',
        MOAT_S3_FORCE_PATH_STYLE: 'true',
      },
    });
    expect(config.stores.metadata).toEqual({
      kind: 'postgres',
      url: 'postgres://moat:pw@db.internal:5432/moat',
    });
    expect(config.stores.blobs).toEqual({
      kind: 's3',
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'moat-blobs',
      region: 'eu-west-1',
      accessKeyId: 'AKID',
      secretAccessKey: 'SECRET',
      forcePathStyle: true,
      prefix: 'moat/',
      partSize: 16 * 1024 ** 2,
    });
  });

  it('defaults the S3 region, prefix and part size', () => {
    const config = load({ env: { MOAT_S3_BUCKET: 'moat-blobs' } });
    expect(config.stores.blobs).toEqual({
      kind: 's3',
      bucket: 'moat-blobs',
      region: 'us-east-1',
      forcePathStyle: false,
      prefix: '',
      partSize: 8 * 1024 ** 2,
    });
  });

  it('refuses S3 settings without a bucket, naming the key', () => {
    expect(errorOf(() => load({ env: { MOAT_S3_ENDPOINT: 'http://127.0.0.1:9000' } }))).toMatch(
      /^MOAT_S3_ENDPOINT is set but s3\.bucket/,
    );
  });

  it('refuses an access key id without its secret, and the reverse', () => {
    expect(
      errorOf(() => load({ env: { MOAT_S3_BUCKET: 'bkt', MOAT_S3_ACCESS_KEY_ID: 'AKID' } })),
    ).toMatch(/^MOAT_S3_ACCESS_KEY_ID is set without s3\.secretAccessKey/);
    expect(
      errorOf(() =>
        load({ env: { MOAT_S3_BUCKET: 'bkt', MOAT_S3_SECRET_ACCESS_KEY: 'TOPSECRET' } }),
      ),
    ).toMatch(/^MOAT_S3_SECRET_ACCESS_KEY is set without/);
  });
});

describe('loadServeConfig errors name the key as the user wrote it', () => {
  it.each([
    [
      'limits:\n  maxManifestBytes: lots\n',
      /^limits\.maxManifestBytes in moat\.yaml: expected a size/,
    ],
    ['limits:\n  maxManifestBytes: 1TiB\n', /^limits\.maxManifestBytes in moat\.yaml: .*to 64MiB/],
    ['limits:\n  uploadTtl: 10 minutes\n', /^limits\.uploadTtl in moat\.yaml: expected a duration/],
    ['limits:\n  uploadTtl: 3600\n', /^limits\.uploadTtl in moat\.yaml: expected a duration/],
    ['limits:\n  maxPageSize: 0\n', /^limits\.maxPageSize in moat\.yaml: expected an integer/],
    ['gc:\n  schedule: sometimes\n', /^gc\.schedule in moat\.yaml: expected off or an interval/],
    ['gc:\n  untagged: maybe\n', /^gc\.untagged in moat\.yaml: expected true or false/],
    ['listen: 5000\n', /^listen in moat\.yaml: expected HOST:PORT/],
    ['listen: 127.0.0.1:70000\n', /^listen in moat\.yaml: expected HOST:PORT/],
    ['log:\n  level: loud\n', /^log\.level in moat\.yaml: expected one of fatal/],
    ['s3:\n  bucket: Not_A_Bucket\n', /^s3\.bucket in moat\.yaml: expected a bucket name/],
    ['database:\n  url: mysql://x\n', /^database\.url in moat\.yaml: expected a postgres:\/\/ URL/],
    ['tls: yes\n', /^tls in moat\.yaml: expected a mapping/],
  ])('%j', (yaml, message) => {
    expect(errorOf(() => load({ yaml }))).toMatch(message);
  });

  it('names an unknown key in moat.yaml', () => {
    expect(errorOf(() => load({ yaml: 'limits:\n  maxManifestByte: 1MiB\n' }))).toBe(
      'unknown key limits.maxManifestByte in moat.yaml',
    );
    expect(errorOf(() => load({ yaml: 'listen: 127.0.0.1:1\nstorage: x\n' }))).toBe(
      'unknown key storage in moat.yaml',
    );
  });

  it('names the environment variable', () => {
    expect(errorOf(() => load({ env: { MOAT_LIMITS_MAX_BLOB_BYTES: '12 parsecs' } }))).toMatch(
      /^MOAT_LIMITS_MAX_BLOB_BYTES: expected a size/,
    );
    expect(errorOf(() => load({ env: { MOAT_GC_GRACE_PERIOD: '1y' } }))).toMatch(
      /^MOAT_GC_GRACE_PERIOD: expected a duration/,
    );
    expect(errorOf(() => load({ env: { MOAT_S3_BUCKET: '-' } }))).toMatch(/^MOAT_S3_BUCKET: /);
  });

  it('names the flag', () => {
    expect(errorOf(() => load({ flags: { listen: 'here' } }))).toMatch(/^--listen: expected/);
    expect(errorOf(() => load({ flags: { logLevel: 'chatty' } }))).toMatch(/^--log-level: /);
  });

  it('names the --config file when it is missing', () => {
    expect(errorOf(() => load({ configFile: join(dir, 'absent.yaml') }))).toMatch(
      /absent\.yaml: cannot read the configuration file \(ENOENT\)/,
    );
  });

  it('refuses YAML that does not parse, naming the line', () => {
    expect(errorOf(() => load({ yaml: 'listen: 127.0.0.1:1\nlimits: [\n' }))).toMatch(
      /^moat\.yaml: not valid YAML \(line \d+\)/,
    );
    expect(errorOf(() => load({ yaml: '- a\n- b\n' }))).toMatch(/^moat\.yaml: expected a mapping/);
  });

  it('refuses a TLS certificate without its key, a missing file and a key of another certificate', () => {
    expect(errorOf(() => load({ flags: { tlsCert: cert.certFile } }))).toMatch(
      /^--tls-cert is set without tls\.keyFile/,
    );
    expect(
      errorOf(() => load({ flags: { tlsCert: join(dir, 'none.pem'), tlsKey: cert.keyFile } })),
    ).toMatch(/^--tls-cert: cannot read .*none\.pem \(ENOENT\)/);
    expect(
      errorOf(() => load({ env: { MOAT_TLS_CERT: cert.keyFile, MOAT_TLS_KEY: cert.keyFile } })),
    ).toMatch(/^MOAT_TLS_CERT: .* is not a PEM certificate/);
    expect(
      errorOf(() => load({ flags: { tlsCert: cert.certFile, tlsKey: cert.certFile } })),
    ).toMatch(/^--tls-key: .* is not a PEM private key/);
    expect(
      errorOf(() => load({ flags: { tlsCert: cert.certFile, tlsKey: otherCert.keyFile } })),
    ).toMatch(/^--tls-key: .* is not the key of the certificate/);
  });
});

describe('loadServeConfig refuses plain HTTP beyond the loopback', () => {
  it('refuses a non-loopback address without TLS', () => {
    expect(errorOf(() => load({ flags: { listen: '0.0.0.0:5000' } }))).toMatch(
      /^--listen: plain HTTP on 0\.0\.0\.0, which other machines reach, is refused/,
    );
    expect(errorOf(() => load({ yaml: 'listen: :5000\n' }))).toMatch(/^listen in moat\.yaml/);
  });

  it('allows it with TLS or when explicitly allowed', () => {
    expect(
      load({ flags: { listen: '0.0.0.0:5000', tlsCert: cert.certFile, tlsKey: cert.keyFile } }).tls,
    ).toEqual(cert);
    expect(
      load({ flags: { listen: '0.0.0.0:5000' }, env: { MOAT_ALLOW_PLAIN_HTTP: '1' } }).listen,
    ).toEqual({ host: '0.0.0.0', port: 5000 });
  });

  it('serves plain HTTP on every loopback spelling', () => {
    for (const listen of ['127.0.0.1:1', 'localhost:1', '[::1]:1', '127.1.2.3:1']) {
      expect(load({ flags: { listen } }).tls).toBeUndefined();
    }
  });
});

describe('loadServeConfig never shows a secret', () => {
  it('refuses the administrator password in the file without quoting it', () => {
    const message = errorOf(() => load({ yaml: 'auth:\n  adminPassword: hunter2-in-file\n' }));
    expect(message).toMatch(/^auth\.adminPassword in moat\.yaml: .*MOAT_ADMIN_PASSWORD/);
    expect(message).not.toContain('hunter2');
  });

  it('does not quote a bad database URL, S3 secret or password', () => {
    const secret = 'Zq9\u0001unique-sauce';
    const messages = [
      errorOf(() => load({ env: { MOAT_DATABASE_URL: `mysql://u:${secret}@h/db` } })),
      errorOf(() => load({ env: { MOAT_ADMIN_PASSWORD: secret } })),
      errorOf(() => load({ env: { MOAT_S3_BUCKET: 'bkt', MOAT_S3_SECRET_ACCESS_KEY: secret } })),
      errorOf(() =>
        load({
          env: {
            MOAT_S3_BUCKET: 'bkt',
            MOAT_S3_ACCESS_KEY_ID: 'x',
            MOAT_S3_SECRET_ACCESS_KEY: secret,
          },
        }),
      ),
    ];
    for (const message of messages) expect(message).not.toContain('unique-sauce');
  });
});

describe('values', () => {
  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration('-5s')).toBeUndefined();
    expect(parseDuration('400d')).toBeUndefined();
  });

  it('parses sizes', () => {
    expect(parseSize('4MiB')).toBe(4 * 1024 ** 2);
    expect(parseSize('16GiB')).toBe(16 * 1024 ** 3);
    expect(parseSize('1.5KiB')).toBe(1536);
    expect(parseSize('500MB')).toBe(500_000_000);
    expect(parseSize('123')).toBe(123);
    expect(parseSize(123)).toBe(123);
    expect(parseSize(-1)).toBeUndefined();
    expect(parseSize('4 parsecs')).toBeUndefined();
    expect(parseSize('99999999999999999TiB')).toBeUndefined();
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

  it('the key table covers every key of the schema', () => {
    expect(configKeys.map((k) => k.path).sort()).toEqual(schemaLeafPaths().sort());
  });

  it.each(configKeys.map((k) => [k.path, k] as const))('documents %s', (path, key) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${path}\``));
    expect(row, `a table row for ${path}`).toBeDefined();
    expect(row).toContain(`\`${key.env}\``);
    if (key.flag) expect(row).toContain(`\`${key.flag.spelling}\``);
  });
});
