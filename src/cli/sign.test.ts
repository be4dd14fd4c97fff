/**
 * `moat sign`, `attest`, `verify` and `verify-attestation` as a user meets them, against Moat's
 * own registry in-process: exit 0 when a signature verifies, 3 when none does (with the reason on
 * stderr), 2 for bad input.
 */
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import {
  keyPassword,
  startSigningRegistry,
  writeKeyFiles,
  type KeyFiles,
  type SigningRegistry,
} from '../sign/__fixtures__/image-registry.js';

let registry: SigningRegistry;
let keys: KeyFiles;
let otherKeys: KeyFiles;
let credentials: string[];
const savedPassword = process.env['MOAT_PASSWORD'];

beforeAll(async () => {
  registry = await startSigningRegistry();
  keys = await writeKeyFiles();
  otherKeys = await writeKeyFiles('other');
  credentials = ['--username', registry.access.username, '--password', registry.access.password];
  process.env['MOAT_PASSWORD'] = keyPassword;
});
afterAll(async () => {
  if (savedPassword === undefined) delete process.env['MOAT_PASSWORD'];
  else process.env['MOAT_PASSWORD'] = savedPassword;
  await registry.close();
  await keys.remove();
  await otherKeys.remove();
});

async function image(name: string): Promise<{ tag: string; at: string; digest: string }> {
  const digest = await registry.push(`cli/${name}`, 'v1');
  return {
    tag: `${registry.host}/cli/${name}:v1`,
    at: `${registry.host}/cli/${name}@${digest}`,
    digest,
  };
}

const sign = (reference: string, ...flags: string[]) =>
  run(['sign', '--key', keys.privatePath, ...credentials, ...flags, reference]);
const verify = (reference: string, ...flags: string[]) =>
  run(['verify', '--key', keys.publicPath, ...credentials, ...flags, reference]);

describe('moat sign and moat verify', () => {
  test.each(['bundle', 'legacy'])('a %s signature verifies: exit 0', async (format) => {
    const target = await image(`sign-${format}`);
    const signed = await sign(target.tag, '--signature-format', format);
    expect(signed).toMatchObject({ code: 0 });
    expect(signed.stdout).toContain(target.digest);
    expect(signed.stderr).toContain(`signing the digest ${target.digest}`);
    const verified = await verify(target.tag);
    expect(verified).toMatchObject({ code: 0, stderr: '' });
    expect(verified.stdout).toMatch(
      new RegExp(`^verified ${format} signature of ${target.digest}`),
    );
  });

  test('--output json prints the verification result', async () => {
    const target = await image('json');
    await sign(target.at, '-a', 'env=prod');
    const verified = await verify(target.at, '--output', 'json');
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      reference: target.at,
      digest: target.digest,
      verified: [{ format: 'bundle', kind: 'signature', annotations: { env: 'prod' } }],
      rejected: [],
    });
  });

  test('-a on verify requires a signed annotation', async () => {
    const target = await image('verify-annotations');
    await sign(target.at, '-a', 'env=prod', '--signature-format', 'legacy');
    expect((await verify(target.at, '-a', 'env=prod')).code).toBe(0);
    const wrong = await verify(target.at, '-a', 'env=dev');
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('env=dev');
  });

  test('no signature at all: exit 3', async () => {
    const target = await image('unsigned');
    const result = await verify(target.at);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`no signature found for ${target.digest}`);
  });

  test('a signature by another key: exit 3 with the reason', async () => {
    const target = await image('other-key');
    await run(['sign', '--key', otherKeys.privatePath, ...credentials, target.at]);
    const result = await verify(target.at);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/moat: rejected bundle signature .+: .+/);
  });

  test('another image pushed under the signed tag: exit 3', async () => {
    const target = await image('retag');
    expect((await sign(target.tag)).code).toBe(0);
    expect((await sign(target.tag, '--signature-format', 'legacy')).code).toBe(0);
    await registry.push('cli/retag', 'v1', 'the replacement');
    expect((await verify(target.tag)).code).toBe(3);
  });
});

describe('moat attest and moat verify-attestation', () => {
  test.each(['bundle', 'legacy'])('a %s attestation verifies by its type', async (format) => {
    const target = await image(`attest-${format}`);
    const predicate = join(keys.dir, `sbom-${format}.json`);
    await writeFile(predicate, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' }));
    const attested = await run([
      'attest',
      '--key',
      keys.privatePath,
      '--predicate',
      predicate,
      '--type',
      'cyclonedx',
      '--signature-format',
      format,
      ...credentials,
      target.at,
    ]);
    expect(attested).toMatchObject({ code: 0, stderr: '' });
    const verifyAttestation = (type: string) =>
      run([
        'verify-attestation',
        '--key',
        keys.publicPath,
        '--type',
        type,
        ...credentials,
        target.at,
      ]);
    const verified = await verifyAttestation('cyclonedx');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('predicate https://cyclonedx.org/bom');
    expect((await verifyAttestation('slsaprovenance')).code).toBe(3);
    // An attestation is not a signature.
    expect((await verify(target.at)).code).toBe(3);
  });
});

describe('bad input: exit 2', () => {
  test('verify without a key or identity', async () => {
    const result = await run(['verify', 'registry.example/app:1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--key');
  });

  test('--key together with --certificate-identity', async () => {
    const result = await run([
      'verify',
      '--key',
      keys.publicPath,
      '--certificate-identity',
      'me@example.com',
      'registry.example/app:1',
    ]);
    expect(result.code).toBe(2);
  });

  test('keyless verification without --trusted-root', async () => {
    const result = await run([
      'verify',
      '--certificate-identity',
      'me@example.com',
      '--certificate-oidc-issuer',
      'https://accounts.example.com',
      'registry.example/app:1',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--trusted-root');
  });

  test('an invalid identity regular expression', async () => {
    const result = await run([
      'verify',
      '--certificate-identity-regexp',
      '(',
      '--certificate-oidc-issuer',
      'https://accounts.example.com',
      '--trusted-root',
      'trusted_root.json',
      'registry.example/app:1',
    ]);
    expect(result.code).toBe(2);
  });

  test('a pattern RE2 does not accept (cosign’s Go regular expressions)', async () => {
    const result = await run([
      'verify',
      '--certificate-identity-regexp',
      '^(?=.*acme).*$',
      '--certificate-oidc-issuer',
      'https://accounts.example.com',
      '--trusted-root',
      'test/fixtures/sigstore-conformance/public-good-trusted-root.json',
      'registry.example/app:1',
    ]);
    expect(result.code).toBe(2);
  });

  test('a missing key file', async () => {
    const target = await image('missing-key');
    const result = await run([
      'sign',
      '--key',
      join(keys.dir, 'absent.key'),
      ...credentials,
      target.at,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('absent.key');
  });

  test('a wrong password', async () => {
    const target = await image('wrong-password');
    process.env['MOAT_PASSWORD'] = 'not the password';
    try {
      const result = await sign(target.at);
      expect(result.code).toBe(2);
    } finally {
      process.env['MOAT_PASSWORD'] = keyPassword;
    }
  });

  test('an annotation without =', async () => {
    const result = await run([
      'sign',
      '--key',
      keys.privatePath,
      '-a',
      'novalue',
      'registry.example/app:1',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('novalue');
  });

  test('an unknown --signature-format', async () => {
    const result = await run([
      'sign',
      '--key',
      keys.privatePath,
      '--signature-format',
      'x',
      'r/a:1',
    ]);
    expect(result.code).toBe(2);
  });

  test('a predicate over the size limit is refused before anything is read whole', async () => {
    const predicate = join(keys.dir, 'huge.json');
    await writeFile(predicate, '');
    await truncate(predicate, 32 * 1024 * 1024 + 1);
    const result = await run([
      'attest',
      '--key',
      keys.privatePath,
      '--predicate',
      predicate,
      'registry.example/app:1',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('limit');
  });

  test('a predicate that is not JSON for --type cyclonedx', async () => {
    const target = await image('bad-predicate');
    const predicate = join(keys.dir, 'bad.json');
    await writeFile(predicate, 'not json');
    const result = await run([
      'attest',
      '--key',
      keys.privatePath,
      '--predicate',
      predicate,
      '--type',
      'cyclonedx',
      ...credentials,
      target.at,
    ]);
    expect(result.code).toBe(2);
  });
});
