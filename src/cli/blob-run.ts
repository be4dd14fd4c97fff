/**
 * The actions of `moat sign-blob` and `moat verify-blob` (defined in blob.ts): bounded reads of
 * the file and bundle, the bundle written atomically (never over the file it signs). The work is
 * done by `src/sign/blob.ts`.
 */
import { signBlob, verifyBlob } from '../sign/blob.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { SignBlobFlags, VerifyBlobFlags } from './blob.js';
import type { CliIo } from './io.js';
import { refuseOutputOverInput } from './output.js';
import { maxBlobBytes, maxBundleFileBytes, readBoundedFile } from './sign-files.js';
import { loadSigningKey } from './sign-run.js';
import { checkPolicyFlags, policyOf } from './verify-policy.js';

/** Runs `moat sign-blob FILE`. */
export async function runSignBlob(file: string, flags: SignBlobFlags, io: CliIo): Promise<void> {
  await refuseOutputOverInput(flags.bundle, [
    { what: 'file to sign', path: file },
    { what: 'key', path: flags.key },
  ]);
  const data = await readBoundedFile(file, maxBlobBytes, 'file');
  const key = await loadSigningKey(flags.key, io);
  await writeFileAtomic(flags.bundle, signBlob(data, key));
  if (flags.quiet !== true) io.stderr.write(`Wrote bundle to file ${flags.bundle}\n`);
}

/** Runs `moat verify-blob FILE`. */
export async function runVerifyBlob(
  file: string,
  flags: VerifyBlobFlags,
  io: CliIo,
): Promise<void> {
  checkPolicyFlags(flags);
  const bundle = await readBoundedFile(flags.bundle, maxBundleFileBytes, 'bundle');
  const data = await readBoundedFile(file, maxBlobBytes, 'file');
  verifyBlob(data, bundle, await policyOf(flags), flags.bundle);
  io.stderr.write('Verified OK\n');
}
