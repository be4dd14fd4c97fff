/**
 * The signed bundle file format (`moat db export`), read and written by bundle.ts:
 *
 * ```
 * magic "MOATVDB\x01" (8) | header length u32 BE | header JSON | signature length u16 BE |
 * signature (ECDSA P-256, SHA-256, DER, over the header bytes) | payload (gzip of the SQLite file)
 * ```
 *
 * The header names the signing key and carries the payload's SHA-256 and length, so the one
 * signature covers the whole bundle; the payload is checked against the header as it streams.
 */
import { z } from 'zod';

import { MoatError } from '../errors.js';

/** The first eight bytes of every bundle. */
export const bundleMagic = Buffer.from('MOATVDB\x01', 'latin1');
/** Largest header accepted, in bytes. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Largest signature accepted, in bytes (a DER P-256 signature is at most 72). */
export const MAX_SIGNATURE_BYTES = 256;

/** The signed header of a bundle. */
export const bundleHeaderSchema = z.object({
  format: z.literal(1),
  schemaVersion: z.number().int().positive(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  compression: z.literal('gzip'),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
  payloadBytes: z.number().int().nonnegative(),
  databaseBytes: z.number().int().nonnegative(),
  createdAt: z.string(),
});

/** The signed header of a bundle. */
export type BundleHeader = z.infer<typeof bundleHeaderSchema>;

/** The bytes that precede the payload. */
export function encodePreamble(headerBytes: Buffer, signature: Buffer): Buffer {
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32BE(headerBytes.length);
  const signatureLength = Buffer.alloc(2);
  signatureLength.writeUInt16BE(signature.length);
  return Buffer.concat([bundleMagic, headerLength, headerBytes, signatureLength, signature]);
}

/** The raw parts of a bundle's preamble, before any verification. */
export interface RawPreamble {
  headerBytes: Buffer;
  signature: Buffer;
  /** Offset of the payload in the file. */
  payloadOffset: number;
}

/**
 * Splits a bundle's preamble, reading through `read(position, length)`.
 * @throws MoatError BUNDLE_INVALID when the magic, lengths or file size do not add up.
 */
export async function readPreamble(
  label: string,
  read: (position: number, length: number) => Promise<Buffer>,
): Promise<RawPreamble> {
  const fixed = await read(0, 12);
  if (fixed.length < 12 || !fixed.subarray(0, 8).equals(bundleMagic)) {
    throw new MoatError('BUNDLE_INVALID', `${label}: not a Moat database bundle`);
  }
  const headerLength = fixed.readUInt32BE(8);
  if (headerLength === 0 || headerLength > MAX_HEADER_BYTES) {
    throw new MoatError('BUNDLE_INVALID', `${label}: header length ${headerLength} out of range`);
  }
  const rest = await read(12, headerLength + 2);
  if (rest.length < headerLength + 2) {
    throw new MoatError('BUNDLE_INVALID', `${label}: truncated header`);
  }
  const signatureLength = rest.readUInt16BE(headerLength);
  if (signatureLength === 0 || signatureLength > MAX_SIGNATURE_BYTES) {
    throw new MoatError('BUNDLE_INVALID', `${label}: signature length out of range`);
  }
  const signature = await read(14 + headerLength, signatureLength);
  if (signature.length < signatureLength) {
    throw new MoatError('BUNDLE_INVALID', `${label}: truncated signature`);
  }
  return {
    headerBytes: rest.subarray(0, headerLength),
    signature,
    payloadOffset: 14 + headerLength + signatureLength,
  };
}

/**
 * Parses a header whose signature has been verified.
 * @throws MoatError BUNDLE_INVALID when it is not a header this Moat understands.
 */
export function parseHeader(label: string, headerBytes: Buffer): BundleHeader {
  let value: unknown;
  try {
    value = JSON.parse(headerBytes.toString('utf8'));
  } catch (cause) {
    throw new MoatError('BUNDLE_INVALID', `${label}: header is not JSON`, { cause });
  }
  const result = bundleHeaderSchema.safeParse(value);
  if (!result.success) {
    throw new MoatError('BUNDLE_INVALID', `${label}: unsupported bundle header`);
  }
  return result.data;
}
