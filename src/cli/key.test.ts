/**
 * `moat key generate` and `moat key public-key` as a user meets them: the files written (modes,
 * formats openssl and Moat read back), refusing to overwrite without --force, and one line with
 * exit 2 when no password can be had.
 */
import { readFileSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { openssl } from '../../test/fixtures/cosign-keys/openssl.js';
import { runInProcess as run } from '../../test/fixtures/run-in-process.js';
import { encodePublicKey, loadPrivateKeyFile, readPublicKey } from '../sign/keys/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moat-cli-key-'));
  vi.stubEnv('MOAT_PASSWORD', 'test password');
  vi.stubEnv('COSIGN_PASSWORD', undefined);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

const password = () => Promise.resolve(Buffer.from('test password'));

describe('moat key generate', () => {
  it('writes NAME.key (cosign encrypted, mode 0600) and NAME.pub (SPKI PEM) that belong together', async () => {
    const prefix = join(dir, 'release');
    const result = await run(['key', 'generate', '--output-key-prefix', prefix]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`wrote ${prefix}.key (encrypted private key) and ${prefix}.pub\n`);
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${prefix}.key`, 'utf8')).toMatch(
      /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/,
    );
    const key = await loadPrivateKeyFile(`${prefix}.key`, password);
    expect(key.algorithm).toBe('ecdsa-p256');
    const pub = readFileSync(`${prefix}.pub`);
    expect(encodePublicKey(readPublicKey(pub, 'pub').publicKey)).toBe(
      encodePublicKey(key.publicKey),
    );
    openssl(['pkey', '-pubin', '-in', `${prefix}.pub`, '-noout']);
  });

  it('generates the algorithm asked for', async () => {
    const prefix = join(dir, 'ed');
    expect(
      (await run(['key', 'generate', '--output-key-prefix', prefix, '--algorithm', 'ed25519']))
        .code,
    ).toBe(0);
    expect((await loadPrivateKeyFile(`${prefix}.key`, password)).algorithm).toBe('ed25519');
  });

  it('writes cosign.key and cosign.pub in the working directory by default', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect((await run(['key', 'generate'])).stdout).toBe(
        'wrote cosign.key (encrypted private key) and cosign.pub\n',
      );
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(dir, 'cosign.key')) && existsSync(join(dir, 'cosign.pub'))).toBe(true);
  });

  it('refuses to overwrite an existing key without --force: exit 2, one line, file untouched', async () => {
    const prefix = join(dir, 'cosign');
    writeFileSync(`${prefix}.key`, 'precious');
    const result = await run(['key', 'generate', '--output-key-prefix', prefix]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `moat: ${prefix}.key already exists: pass --force to overwrite it\n`,
    });
    expect(readFileSync(`${prefix}.key`, 'utf8')).toBe('precious');
    expect(existsSync(`${prefix}.pub`)).toBe(false);
  });

  it('refuses to overwrite an existing public key without --force', async () => {
    const prefix = join(dir, 'cosign');
    writeFileSync(`${prefix}.pub`, 'precious');
    const result = await run(['key', 'generate', '--output-key-prefix', prefix]);
    expect(result.code).toBe(2);
    expect(existsSync(`${prefix}.key`)).toBe(false);
  });

  it('replaces existing files with --force, the key again with mode 0600', async () => {
    const prefix = join(dir, 'cosign');
    writeFileSync(`${prefix}.key`, 'old');
    chmodSync(`${prefix}.key`, 0o644);
    writeFileSync(`${prefix}.pub`, 'old');
    expect((await run(['key', 'generate', '--output-key-prefix', prefix, '--force'])).code).toBe(0);
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    await loadPrivateKeyFile(`${prefix}.key`, password);
  });

  it('without a password variable or a terminal, exits 2 naming the variables and writes nothing', async () => {
    vi.stubEnv('MOAT_PASSWORD', undefined);
    const prefix = join(dir, 'cosign');
    const result = await run(['key', 'generate', '--output-key-prefix', prefix]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^moat: .*MOAT_PASSWORD.*COSIGN_PASSWORD.*\n$/);
    expect(existsSync(`${prefix}.key`)).toBe(false);
  });

  it('refuses an unknown --algorithm with exit 2', async () => {
    const result = await run(['key', 'generate', '--algorithm', 'dsa']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('dsa');
  });
});

describe('moat key public-key', () => {
  it("prints the private key's public key as PEM", async () => {
    const prefix = join(dir, 'cosign');
    await run(['key', 'generate', '--output-key-prefix', prefix]);
    const result = await run(['key', 'public-key', '--key', `${prefix}.key`]);
    expect(result).toEqual({ code: 0, stdout: readFileSync(`${prefix}.pub`, 'utf8'), stderr: '' });
  });

  it('fails with exit 2 and one line on a wrong password', async () => {
    const prefix = join(dir, 'cosign');
    await run(['key', 'generate', '--output-key-prefix', prefix]);
    vi.stubEnv('MOAT_PASSWORD', 'wrong');
    const result = await run(['key', 'public-key', '--key', `${prefix}.key`]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `moat: ${prefix}.key: wrong password for the encrypted private key (or the file was altered)\n`,
    });
  });
});
