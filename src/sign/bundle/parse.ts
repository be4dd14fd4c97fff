/**
 * Reads a Sigstore bundle someone else wrote: bounded, a known media type (v0.1, v0.2, v0.3 in
 * both spellings), canonical base64 in the signature fields, then `@sigstore/bundle`'s
 * `bundleFromJSON`, which checks the shape each version requires. Every failure is
 * `SIGNATURE_INVALID` naming the source.
 */
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  bundleFromJSON,
  ValidationError,
} from '@sigstore/bundle';
import { z } from 'zod';

import { SignError } from '../../errors.js';
import { decodeBase64Strict } from '../payload/base64.js';
import { payloadLimits } from '../payload/limits.js';

/** A parsed bundle: `@sigstore/bundle`'s `Bundle`, ready for `@sigstore/verify`. */
export type ParsedBundle = Bundle;

/** The bundle media types Moat reads. */
export const knownBundleMediaTypes: readonly string[] = [
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
];

const base64Field = z.string().refine((text) => decodeBase64Strict(text) !== undefined, {
  message: 'not valid base64',
});

// Only what Moat checks before @sigstore/bundle: the media type and the base64 of the signed
// bytes (protobuf-specs decodes base64 leniently, skipping characters it does not know).
const bundleFrameSchema = z.looseObject({
  mediaType: z.string(),
  messageSignature: z
    .looseObject({
      messageDigest: z.looseObject({ digest: base64Field.optional() }).optional(),
      signature: base64Field.optional(),
    })
    .optional(),
  dsseEnvelope: z
    .looseObject({
      payload: base64Field.optional(),
      signatures: z
        .array(z.looseObject({ sig: base64Field.optional() }))
        .max(payloadLimits.maxEnvelopeSignatures)
        .optional(),
    })
    .optional(),
});

function invalid(source: string, reason: string, cause?: unknown): SignError {
  return new SignError('SIGNATURE_INVALID', `${source}: ${reason}`, { cause });
}

/** Parses and validates a Sigstore bundle (JSON). */
export function parseBundle(bytes: Buffer, source: string): ParsedBundle {
  if (bytes.length > payloadLimits.maxBundleBytes) {
    throw invalid(
      source,
      `bundle is ${bytes.length} bytes, over the ${payloadLimits.maxBundleBytes}-byte limit`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(source, 'bundle is not JSON', error);
  }
  const frame = bundleFrameSchema.safeParse(json);
  if (!frame.success) {
    const issue = frame.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}`;
    throw invalid(
      source,
      `not a Sigstore bundle${where}: ${issue?.message ?? 'invalid'}`,
      frame.error,
    );
  }
  const { mediaType } = frame.data;
  if (!knownBundleMediaTypes.includes(mediaType)) {
    throw invalid(
      source,
      `unknown bundle media type ${JSON.stringify(mediaType)} (Moat reads Sigstore bundles v0.1 to v0.3)`,
    );
  }
  try {
    return bundleFromJSON(json);
  } catch (error) {
    const fields = error instanceof ValidationError ? error.fields.join(', ') : '';
    const reason =
      fields === '' ? 'malformed Sigstore bundle' : `malformed Sigstore bundle (${fields})`;
    throw invalid(source, reason, error);
  }
}
