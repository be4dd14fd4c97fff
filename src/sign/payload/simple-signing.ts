/**
 * cosign's simple-signing payload: what a legacy (`.sig` tag) image signature signs. The bytes
 * are those of Go's `encoding/json` over sigstore's `payload.SimpleContainerImage`
 * (sigstore/sigstore `pkg/signature/payload/payload.go`): fields in struct order
 * `critical{identity{docker-reference}, image{docker-manifest-digest}, type}`, then `optional`,
 * which is `null` when there are no annotations (a nil Go map; cosign's `AnnotationsMap` stays nil
 * without `--annotations`) and otherwise a map with sorted keys.
 */
import { z } from 'zod';

import { SignError } from '../../errors.js';
import { parseBoundedJson } from './bounded-json.js';
import type { SignedImage, SimpleSigningPayload } from '../types.js';
import { goJson, type GoJsonValue, goJsonString } from '../go-json.js';
import { payloadLimits } from './limits.js';

/** The `critical.type` of every cosign image signature. */
export const cosignSignatureType = 'cosign container image signature';

/** The layer media type of a legacy signature (`application/vnd.dev.cosign.simplesigning.v1+json`). */
export const simpleSigningMediaType = 'application/vnd.dev.cosign.simplesigning.v1+json';

/**
 * Builds the payload cosign signs for `image`, byte for byte as `cosign sign` writes it.
 *
 * @example
 * simpleSigningPayload(image).toString()
 * // {"critical":{"identity":{"docker-reference":"127.0.0.1:5000/app"},"image":{"docker-manifest-digest":"sha256:…"},"type":"cosign container image signature"},"optional":null}
 */
export function simpleSigningPayload(
  image: SignedImage,
  annotations?: Readonly<Record<string, GoJsonValue>>,
): Buffer {
  const optional =
    annotations === undefined || Object.keys(annotations).length === 0 ? null : annotations;
  const text =
    '{"critical":{"identity":{"docker-reference":' +
    goJsonString(image.dockerReference) +
    '},"image":{"docker-manifest-digest":' +
    goJsonString(image.digest) +
    '},"type":' +
    goJsonString(cosignSignatureType) +
    '},"optional":' +
    goJson(optional) +
    '}';
  return Buffer.from(text, 'utf8');
}

// `critical` is strict: the containers-signature format says a consumer must reject a critical
// section it does not fully understand. Keys are matched exactly (Go's decoder would also take
// `Critical`, which cosign has never written).
const payloadSchema = z
  .object({
    critical: z.strictObject({
      identity: z.strictObject({ 'docker-reference': z.string() }),
      image: z.strictObject({ 'docker-manifest-digest': z.string() }),
      type: z.string(),
    }),
    optional: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .strict();

/**
 * Parses a simple-signing payload (bounded; `SIGNATURE_INVALID` when it is not one, including a
 * `critical.type` other than cosign's).
 */
export function parseSimpleSigningPayload(bytes: Buffer, source: string): SimpleSigningPayload {
  const { data, json } = parseBoundedJson(bytes, source, {
    what: 'signature payload',
    shape: 'simple-signing payload',
    maxBytes: payloadLimits.maxSimpleSigningBytes,
    schema: payloadSchema,
  });
  if (data.critical.type !== cosignSignatureType) {
    throw new SignError(
      'SIGNATURE_INVALID',
      `${source}: signature payload type is ${JSON.stringify(data.critical.type)}, not "${cosignSignatureType}"`,
    );
  }
  // zod rebuilds records by assignment, which drops a `__proto__` key: keep the JSON's own.
  const optional = (json as { optional?: Record<string, unknown> | null }).optional;
  return { critical: data.critical, optional: optional ?? null };
}

/** The payload's `optional` section as string annotations (non-strings as their JSON). */
export function payloadAnnotations(payload: SimpleSigningPayload): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.optional ?? {})) {
    // defineProperty: a `__proto__` annotation stays an own key (never the object's prototype).
    Object.defineProperty(annotations, key, {
      value: typeof value === 'string' ? value : JSON.stringify(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return annotations;
}
