/**
 * Bounded JSON reading: every manifest, index and config Moat reads goes through here so that
 * no untrusted document can make it buffer more than `maxJsonBytes`, and every schema failure
 * names the document.
 */
import type { Readable } from 'node:stream';

import type { z } from 'zod';

import { InvalidInputError, LimitExceededError } from '../errors.js';

/** Reads a stream into memory, failing once it exceeds `maxBytes`. */
export async function readBounded(
  stream: Readable,
  maxBytes: number,
  name: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new LimitExceededError(`${name}: JSON document exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses `bytes` as JSON and validates it with `schema`; failures are `MANIFEST_INVALID`. */
export function parseJsonDocument<T>(
  bytes: Uint8Array | string,
  schema: z.ZodType<T>,
  name: string,
  maxBytes: number,
): T {
  const length = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  if (length > maxBytes) {
    throw new LimitExceededError(`${name}: JSON document exceeds the limit of ${maxBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new InvalidInputError('MANIFEST_INVALID', `${name}: not valid JSON`, { cause: error });
  }
  // Without zod's fast path: it compiles a parser from generated source for each schema, which
  // costs more than it saves on the few documents of an image (3% of a rescan's instructions).
  const result = schema.safeParse(value, { jitless: true });
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new InvalidInputError('MANIFEST_INVALID', `${name}: ${where}`, { cause: result.error });
  }
  return result.data;
}
