/**
 * The legacy signature image as cosign builds it (cosign `pkg/oci/empty/empty.go`,
 * `pkg/oci/mutate/signatures.go`, go-containerregistry `mutate.Append`): an OCI image manifest
 * (`application/vnd.oci.image.manifest.v1+json`) whose config (`application/vnd.oci.image.config.v1+json`)
 * is the empty image's config with one `rootfs.diff_ids` entry and one empty `history` entry per
 * layer, and one uncompressed layer per signature carrying its annotations. Pure functions.
 */
import { z } from 'zod';

import { type Descriptor, type ImageManifest, imageManifestSchema } from '../../image/manifest.js';
import { mediaTypes } from '../../image/media-types.js';
import type { SignatureKind } from '../types.js';
import { goJson } from './go-manifest.js';
import { invalidSignature } from './storage-errors.js';

/** Layer annotation keys cosign writes (cosign `pkg/oci/static/signature.go`). */
export const legacyAnnotations = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161Timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
  /** On attestation layers (cosign `cmd/cosign/cli/attest/attest.go`). */
  predicateType: 'predicateType',
} as const;

/** Layer media types: simple signing for `.sig`, DSSE envelopes for `.att` (cosign `pkg/types`). */
export const legacyLayerMediaTypes = {
  signature: 'application/vnd.dev.cosign.simplesigning.v1+json',
  attestation: 'application/vnd.dsse.envelope.v1+json',
} as const;

// Go's zero time.Time as go-containerregistry's v1.Time marshals it.
const zeroTime = '0001-01-01T00:00:00Z';

/**
 * The tag cosign stores signatures (`.sig`) or attestations (`.att`) of `digest` under:
 * `sha256:abc…` → `sha256-abc….sig` (cosign `pkg/oci/remote/remote.go`, `normalize`).
 */
export function legacyTag(digest: string, kind: SignatureKind): string {
  return `${digest.replace(':', '-')}.${kind === 'signature' ? 'sig' : 'att'}`;
}

/** Parses a `.sig`/`.att` manifest; anything but an image manifest is `SIGNATURE_INVALID`. */
export function parseLegacyManifest(bytes: Buffer, where: string): ImageManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidSignature(where, 'the signature manifest is not JSON');
  }
  const parsed = imageManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw invalidSignature(where, 'not an image manifest (schemaVersion 2, config, layers)');
  }
  return parsed.data;
}

const configSchema = z
  .object({
    architecture: z.string().optional(),
    created: z.string().optional(),
    history: z.array(z.record(z.string(), z.unknown())).optional(),
    os: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

/**
 * The config of the signature image after `layers` (all, old and new): the previous config's
 * `architecture`, `created`, `os`, `config` and `history` are kept (one empty `history` entry is
 * added per new layer); `diff_ids` are the layer digests (signature layers are uncompressed).
 * `previous` undefined = cosign's empty image.
 */
export function legacyConfig(previous: Buffer | undefined, layers: Descriptor[]): Buffer {
  let base: z.infer<typeof configSchema> = {};
  if (previous !== undefined) {
    try {
      const parsed = configSchema.safeParse(JSON.parse(previous.toString('utf8')));
      if (parsed.success) base = parsed.data;
    } catch {
      // An unreadable config is rebuilt as cosign's empty image would have it.
    }
  }
  const history: Record<string, unknown>[] = [...(base.history ?? [])].slice(0, layers.length);
  while (history.length < layers.length) history.push({ created: zeroTime });
  return goJson({
    architecture: base.architecture ?? '',
    created: base.created ?? zeroTime,
    history,
    os: base.os ?? '',
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
    config: base.config ?? {},
  });
}

/** The default manifest and config media types of a new signature image (OCI, as cosign). */
export const legacyImageMediaTypes = {
  manifest: mediaTypes.ociManifest,
  config: mediaTypes.ociConfig,
} as const;
