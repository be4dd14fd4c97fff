/**
 * Manifest operations of a repository: push by tag or digest (digest verified, references checked
 * by the metadata store in the same transaction), fetch by tag or digest, delete by digest (the
 * manifest and its tags) or by tag (the tag only).
 */
import { createHash } from 'node:crypto';

import type { Digest, ManifestRecord } from '../store/types.js';
import { DistributionError } from './errors.js';
import { isDigest, isTag, looksLikeDigest } from './grammar.js';
import { parseManifest } from './manifest.js';
import type { RegistryStores } from './stores.js';

/** A manifest reference from a URL: a tag or a digest. */
export type ManifestReferenceInPath =
  { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

/**
 * Reads a `<reference>` path segment: a digest when it contains `:`, otherwise a tag; either must
 * match its grammar (`DIGEST_INVALID` / `TAG_INVALID`).
 */
export function parseReference(reference: string): ManifestReferenceInPath {
  if (looksLikeDigest(reference)) {
    if (!isDigest(reference)) {
      throw new DistributionError('DIGEST_INVALID', 'the reference is not a valid digest', {
        detail: { reference: reference.slice(0, 200) },
      });
    }
    return { kind: 'digest', digest: reference };
  }
  if (!isTag(reference)) {
    throw new DistributionError('TAG_INVALID', 'the reference is not a valid tag', {
      detail: { reference: reference.slice(0, 200) },
    });
  }
  return { kind: 'tag', tag: reference };
}

/** The result of a manifest push. */
export interface PushedManifest {
  digest: Digest;
  subject?: Digest;
}

/**
 * Stores a pushed manifest under `reference`. A digest reference must be the body's digest; every
 * blob and child manifest it names must be in the repository (`MANIFEST_BLOB_UNKNOWN`, naming
 * them); the `subject` need not exist.
 */
export async function pushManifest(
  stores: RegistryStores,
  repository: string,
  reference: ManifestReferenceInPath,
  body: Buffer,
  contentType: string | undefined,
): Promise<PushedManifest> {
  const algorithm = reference.kind === 'digest' ? reference.digest.split(':', 1)[0] : 'sha256';
  const digest = `${algorithm}:${createHash(algorithm ?? 'sha256')
    .update(body)
    .digest('hex')}`;
  if (reference.kind === 'digest' && reference.digest !== digest) {
    throw new DistributionError(
      'DIGEST_INVALID',
      `the manifest's digest is ${digest}, not ${reference.digest}`,
      {
        detail: { expected: reference.digest, actual: digest },
      },
    );
  }
  const parsed = parseManifest(body, contentType);
  const record: ManifestRecord = {
    repository,
    digest,
    mediaType: parsed.mediaType,
    ...(parsed.artifactType !== undefined ? { artifactType: parsed.artifactType } : {}),
    ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
    ...(parsed.annotations !== undefined ? { annotations: parsed.annotations } : {}),
    content: body,
    size: body.length,
    references: parsed.references,
    createdAt: new Date(),
  };
  const { missing } = await stores.meta.putManifest(
    record,
    reference.kind === 'tag' ? reference.tag : undefined,
  );
  if (missing.length > 0) {
    const names = missing.map((reference) => reference.digest);
    throw new DistributionError(
      'MANIFEST_BLOB_UNKNOWN',
      `the manifest references ${missing.length === 1 ? 'content' : `${missing.length} items`} not in ${repository}: ${names.slice(0, 5).join(', ')}`,
      { detail: missing.map((reference) => ({ digest: reference.digest, kind: reference.kind })) },
    );
  }
  return { digest, ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}) };
}

/** The manifest `reference` names in `repository`; `MANIFEST_UNKNOWN` otherwise. */
export async function fetchManifest(
  stores: RegistryStores,
  repository: string,
  reference: ManifestReferenceInPath,
): Promise<ManifestRecord> {
  const digest =
    reference.kind === 'digest'
      ? reference.digest
      : await stores.meta.resolveTag(repository, reference.tag);
  const record =
    digest === undefined ? undefined : await stores.meta.getManifest(repository, digest);
  if (record === undefined) throw manifestUnknown(repository, reference);
  return record;
}

/** Deletes a manifest (and its tags) by digest, or one tag by name. */
export async function deleteManifestOrTag(
  stores: RegistryStores,
  repository: string,
  reference: ManifestReferenceInPath,
): Promise<void> {
  const deleted =
    reference.kind === 'digest'
      ? await stores.meta.deleteManifest(repository, reference.digest)
      : await stores.meta.deleteTag(repository, reference.tag);
  if (!deleted) throw manifestUnknown(repository, reference);
}

function manifestUnknown(
  repository: string,
  reference: ManifestReferenceInPath,
): DistributionError {
  const name = reference.kind === 'digest' ? reference.digest : reference.tag;
  return new DistributionError('MANIFEST_UNKNOWN', `manifest ${name} is not in ${repository}`, {
    detail: reference.kind === 'digest' ? { digest: name } : { tag: name },
  });
}
