/**
 * The action of `moat sign` (defined in sign.ts): load the key, sign, say where the signature
 * went. The work is done by `src/sign/image.ts`.
 */
import { signImage } from '../sign/image.js';
import { loadPrivateKeyFile, passwordSource } from '../sign/keys/index.js';
import type { SigningKey } from '../sign/types.js';
import type { CliIo } from './io.js';
import { createProgress } from './progress.js';
import type { SignFlags } from './sign.js';
import { parseAnnotations, passwordIo, registryAccessOf } from './sign-options.js';

/** Runs `moat sign REF`. */
export async function runSign(reference: string, flags: SignFlags, io: CliIo): Promise<void> {
  const annotations = parseAnnotations(flags.annotations);
  const access = registryAccessOf(flags);
  const progress = createProgress(io, { quiet: flags.quiet === true });
  const key = await loadSigningKey(flags.key, io);
  const result = await signImage(reference, {
    key,
    annotations,
    format: flags.signatureFormat,
    access,
    onWarning: (message) => progress.warn(message),
  });
  io.stdout.write(
    `signed ${result.image.dockerReference}@${result.image.digest}: ${result.stored}\n`,
  );
}

/** The private key of `--key`, its password from MOAT_PASSWORD, COSIGN_PASSWORD or a prompt. */
export function loadSigningKey(path: string, io: CliIo): Promise<SigningKey> {
  return loadPrivateKeyFile(path, passwordSource(passwordIo(io), { confirm: false }));
}
