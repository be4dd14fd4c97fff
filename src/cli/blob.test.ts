/**
 * `moat sign-blob` and `moat verify-blob` as a user meets them: cosign 3's behaviour (the bundle
 * in `--bundle`, nothing on stdout, "Verified OK" on stderr), exit 3 for a file that was not
 * signed, 2 for bad input.
 */
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { keyPassword, writeKeyFiles, type KeyFiles } from '../sign/__fixtures__/image-registry.js';

let keys: KeyFiles;
let file: string;
let bundle: string;
const savedPassword = process.env['MOAT_PASSWORD'];

beforeAll(async () => {
  keys = await writeKeyFiles();
  file = join(keys.dir, 'release.tar');
  bundle = join(keys.dir, 'release.sigstore.json');
  await writeFile(file, 'release contents\n');
  process.env['MOAT_PASSWORD'] = keyPassword;
});
afterAll(async () => {
  if (savedPassword === undefined) delete process.env['MOAT_PASSWORD'];
  else process.env['MOAT_PASSWORD'] = savedPassword;
  await keys.remove();
});

const verifyBlob = (path: string, ...flags: string[]) =>
  run(['verify-blob', '--key', keys.publicPath, '--bundle', bundle, ...flags, path]);

describe('moat sign-blob and moat verify-blob', () => {
  test('a signed file verifies: exit 0, "Verified OK"', async () => {
    const signed = await run(['sign-blob', '--key', keys.privatePath, '--bundle', bundle, file]);
    expect(signed).toMatchObject({ code: 0, stdout: '' });
    expect(signed.stderr).toContain(`Wrote bundle to file ${bundle}`);
    const parsed = JSON.parse(await readFile(bundle, 'utf8')) as { mediaType: string };
    expect(parsed.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(await verifyBlob(file)).toEqual({ code: 0, stdout: '', stderr: 'Verified OK\n' });
  });

  test('another file: exit 3', async () => {
    await run(['sign-blob', '--key', keys.privatePath, '--bundle', bundle, file]);
    const other = join(keys.dir, 'other.tar');
    await writeFile(other, 'other contents\n');
    const result = await verifyBlob(other);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^moat: /);
  });

  test('another key: exit 3', async () => {
    const otherKeys = await writeKeyFiles('other');
    try {
      await run(['sign-blob', '--key', otherKeys.privatePath, '--bundle', bundle, file]);
      expect((await verifyBlob(file)).code).toBe(3);
    } finally {
      await otherKeys.remove();
    }
  });

  test('--bundle naming the file to sign: exit 2, the file untouched', async () => {
    const result = await run(['sign-blob', '--key', keys.privatePath, '--bundle', file, file]);
    expect(result.code).toBe(2);
    expect(await readFile(file, 'utf8')).toBe('release contents\n');
  });

  test('a missing bundle: exit 2', async () => {
    const result = await run([
      'verify-blob',
      '--key',
      keys.publicPath,
      '--bundle',
      join(keys.dir, 'absent.json'),
      file,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('absent.json');
  });

  test('a bundle that is not JSON: exit 2 or 3, never verified', async () => {
    const broken = join(keys.dir, 'broken.json');
    await writeFile(broken, 'not json');
    const result = await run(['verify-blob', '--key', keys.publicPath, '--bundle', broken, file]);
    expect([2, 3]).toContain(result.code);
    expect(result.stderr).not.toContain('Verified OK');
  });

  test('a bundle file over the size limit: exit 2', async () => {
    const huge = join(keys.dir, 'huge.json');
    await writeFile(huge, '');
    await truncate(huge, 16 * 1024 * 1024 + 1);
    const result = await run(['verify-blob', '--key', keys.publicPath, '--bundle', huge, file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('limit');
  });

  test('verify-blob without a key or identity: exit 2', async () => {
    expect((await run(['verify-blob', '--bundle', bundle, file])).code).toBe(2);
  });
});

describe('keyless verify-blob, offline, on the Sigstore conformance bundles', () => {
  const cases = 'test/fixtures/sigstore-conformance/bundle-verify';
  const identity =
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
  const keyless = (name: string, subject = identity) =>
    run([
      'verify-blob',
      '--bundle',
      `${cases}/${name}/bundle.sigstore.json`,
      '--certificate-identity',
      subject,
      '--certificate-oidc-issuer',
      'https://token.actions.githubusercontent.com',
      '--trusted-root',
      'test/fixtures/sigstore-conformance/public-good-trusted-root.json',
      `${cases}/a.txt`,
    ]);

  test('a Fulcio-certified bundle verifies: exit 0', async () => {
    expect(await keyless('happy-path-v0.3')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'Verified OK\n',
    });
  });

  test('another identity: exit 3', async () => {
    const result = await keyless('happy-path-v0.3', 'someone@example.com');
    expect(result.code).toBe(3);
  });

  test.each([
    'wrong-hashedrekord-artifact_fail',
    'signature-mismatch_fail',
    'message-digest-mismatch_fail',
  ])('%s: exit 3', async (name) => {
    expect((await keyless(name)).code).toBe(3);
  });

  test('a regular expression for the identity', async () => {
    const result = await run([
      'verify-blob',
      '--bundle',
      `${cases}/happy-path-v0.3/bundle.sigstore.json`,
      '--certificate-identity-regexp',
      '^https://github\\.com/sigstore-conformance/',
      '--certificate-oidc-issuer-regexp',
      '^https://token\\.actions\\.githubusercontent\\.com$',
      '--trusted-root',
      'test/fixtures/sigstore-conformance/public-good-trusted-root.json',
      `${cases}/a.txt`,
    ]);
    expect(result.code).toBe(0);
  });
});
