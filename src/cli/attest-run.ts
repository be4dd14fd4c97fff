/**
 * The action of `moat attest` (defined in attest.ts): read the predicate, load the key, attest,
 * say where the attestation went. The work is done by `src/sign/image.ts`.
 */
import { attestImage } from '../sign/image.js';
import type { AttestFlags } from './attest.js';
import type { CliIo } from './io.js';
import { createProgress } from './progress.js';
import { maxPredicateBytes, readBoundedFile } from './sign-files.js';
import { registryAccessOf } from './sign-options.js';
import { loadSigningKey } from './sign-run.js';

/** Runs `moat attest REF`. */
export async function runAttest(reference: string, flags: AttestFlags, io: CliIo): Promise<void> {
  const access = registryAccessOf(flags);
  const progress = createProgress(io, { quiet: flags.quiet === true });
  const predicate = await readBoundedFile(flags.predicate, maxPredicateBytes, 'predicate');
  const key = await loadSigningKey(flags.key, io);
  const result = await attestImage(reference, {
    key,
    predicate,
    type: flags.type,
    format: flags.signatureFormat,
    access,
    onWarning: (message) => progress.warn(message),
  });
  io.stdout.write(
    `attested ${result.image.dockerReference}@${result.image.digest}: ${result.stored}\n`,
  );
}
