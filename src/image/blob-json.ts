/**
 * Reading small JSON blobs (manifests, indexes, configs) from a {@link FileSource}, verified
 * against their descriptor's digest and size and bounded by `maxJsonBytes`.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { LimitExceededError } from '../errors.js';
import type { Limits } from '../util/limits.js';
import type { FileSource } from './file-source.js';
import { parseDigest } from './digest.js';
import { readBounded } from './json.js';
import { verifyBlob } from './verify.js';

/** The path of a blob inside an OCI layout: `blobs/<alg>/<hex>`. */
export function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

/** Reads a blob of at most `maxJsonBytes`, checking its digest and size while reading. */
export async function readVerifiedBlob(
  source: FileSource,
  descriptor: { digest: string; size: number },
  limits: Limits,
): Promise<Buffer> {
  const path = blobPath(descriptor.digest);
  const name = `${source.name}: ${path}`;
  if (descriptor.size > limits.maxJsonBytes) {
    throw new LimitExceededError(
      `${name}: JSON document exceeds the limit of ${limits.maxJsonBytes} bytes`,
    );
  }
  let bytes: Buffer = Buffer.alloc(0);
  // A pipeline, so that a digest mismatch found at the end rejects here rather than being
  // emitted with nobody listening.
  await pipeline(await source.open(path), verifyBlob(descriptor, name), async (verified) => {
    bytes = await readBounded(verified as Readable, limits.maxJsonBytes, name);
  });
  return bytes;
}
