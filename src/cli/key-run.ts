/**
 * The actions of `moat key generate|public-key` (defined in key.ts): the key pair is written the
 * way cosign writes it — NAME.key in cosign's encrypted format with mode 0600, NAME.pub as SPKI PEM
 * with mode 0644 — and existing files are replaced only with `--force`.
 */
import { lstat, writeFile } from 'node:fs/promises';

import { MoatError } from '../errors.js';
import {
  encodeCosignPrivateKey,
  encodePublicKey,
  generateSigningKey,
  loadPrivateKeyFile,
  passwordSource,
} from '../sign/keys/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { CliIo } from './io.js';
import type { KeyGenerateFlags } from './key.js';

/** `moat key generate`. */
export async function runKeyGenerate(flags: KeyGenerateFlags, io: CliIo): Promise<void> {
  const privatePath = `${flags.outputKeyPrefix}.key`;
  const publicPath = `${flags.outputKeyPrefix}.pub`;
  if (flags.force !== true) {
    for (const path of [privatePath, publicPath]) {
      if (await exists(path)) {
        throw new MoatError('USAGE', `${path} already exists: pass --force to overwrite it`);
      }
    }
  }
  const key = generateSigningKey(flags.algorithm);
  const password = await passwordSource(passwordIo(io), { confirm: true })();
  const privatePem = encodeCosignPrivateKey(key, password);
  password.fill(0);
  await writeKeyFile(privatePath, privatePem, 0o600, flags.force === true);
  await writeKeyFile(publicPath, encodePublicKey(key.publicKey), 0o644, flags.force === true);
  io.stdout.write(`wrote ${privatePath} (encrypted private key) and ${publicPath}\n`);
}

/** `moat key public-key`. */
export async function runKeyPublicKey(flags: { key: string }, io: CliIo): Promise<void> {
  const key = await loadPrivateKeyFile(
    flags.key,
    passwordSource(passwordIo(io), { confirm: false }),
  );
  io.stdout.write(encodePublicKey(key.publicKey));
}

/** The CLI's streams; in a real run `io` is `process`, which also has stdin for the prompt. */
function passwordIo(io: CliIo): { stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream } {
  const stdin = (io as { stdin?: NodeJS.ReadableStream }).stdin;
  return stdin === undefined ? { stderr: io.stderr } : { stderr: io.stderr, stdin };
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/**
 * Writes a new file with `mode`; with `replace`, through a temporary file renamed over the old
 * one, so the old file's permission bits never carry over to a private key.
 */
async function writeKeyFile(
  path: string,
  text: string,
  mode: number,
  replace: boolean,
): Promise<void> {
  if (replace) await writeFileAtomic(path, text, { mode });
  else await writeFile(path, text, { flag: 'wx', mode });
}
