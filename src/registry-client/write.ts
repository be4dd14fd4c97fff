/**
 * Writes to a registry: PUT a manifest (the digest the registry reports must be ours), ask
 * whether a blob exists (HEAD) and upload a small blob in one piece (POST for a session, PUT of
 * the bytes with `?digest=`). Every request asks for push rights (`repository:NAME:pull,push`).
 * Only small documents travel this way (signatures, bundles, configs): bodies are in memory.
 */
import { createHash } from 'node:crypto';

import { IntegrityError, MoatError } from '../errors.js';
import type { RegistryClient } from './client.js';
import type { RequestContext } from './registry-errors.js';

/** What the registry answered to a manifest PUT. */
export interface PushedManifest {
  /** `sha256:<hex>` of the bytes sent (the registry's `Docker-Content-Digest` agreed). */
  digest: string;
  /** The `OCI-Subject` header: set when the registry indexed the manifest's subject itself. */
  subject?: string;
}

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * PUTs a manifest or index under `reference` (a tag or its own digest).
 * @throws IntegrityError DIGEST_MISMATCH when the registry reports another digest.
 * @example await putManifest(client, 'app', 'sha256-….sig', mediaTypes.ociManifest, bytes);
 */
export async function putManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  mediaType: string,
  bytes: Buffer,
): Promise<PushedManifest> {
  const context: RequestContext = { host: client.host, repository, reference, kind: 'manifest' };
  const response = await client.request({
    method: 'PUT',
    target: `/v2/${repository}/manifests/${reference}`,
    headers: { 'content-type': mediaType },
    body: bytes,
    context,
    push: true,
  });
  await response.body?.cancel();
  const digest = sha256Digest(bytes);
  const reported = response.headers.get('docker-content-digest');
  if (reported !== null && reported !== '' && reported !== digest) {
    throw new IntegrityError(
      'DIGEST_MISMATCH',
      `registry ${client.host}/${repository}:${reference}: stored the manifest as ${reported}, its content digest is ${digest}`,
    );
  }
  const subject = response.headers.get('oci-subject');
  return subject !== null && subject !== '' ? { digest, subject } : { digest };
}

/** True when the repository holds the blob (HEAD 200), false on 404. */
export async function blobExists(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<boolean> {
  const response = await client.request({
    method: 'HEAD',
    target: `/v2/${repository}/blobs/${digest}`,
    context: { host: client.host, repository, reference: digest, kind: 'blob' },
    push: true,
    passStatuses: [404],
  });
  await response.body?.cancel();
  return response.ok;
}

/**
 * Uploads `bytes` as a blob unless the repository already holds it; returns its digest.
 * @example const digest = await uploadBlob(client, 'app', Buffer.from('{}'));
 */
export async function uploadBlob(
  client: RegistryClient,
  repository: string,
  bytes: Buffer,
): Promise<string> {
  const digest = sha256Digest(bytes);
  if (await blobExists(client, repository, digest)) return digest;
  const context: RequestContext = {
    host: client.host,
    repository,
    reference: digest,
    kind: 'upload',
  };
  const started = await client.request({
    method: 'POST',
    target: `/v2/${repository}/blobs/uploads/`,
    context,
    push: true,
  });
  await started.body?.cancel();
  const location = started.headers.get('location');
  if (location === null || location === '') {
    throw new MoatError(
      'REGISTRY_PROTOCOL',
      `registry ${client.host}/${repository}: upload started without a Location header`,
    );
  }
  // The Location may be relative (to the registry) or absolute, and may carry its own query;
  // `request` resolves it and sends credentials only if it stays on the registry's origin.
  const separator = location.includes('?') ? '&' : '?';
  const finished = await client.request({
    method: 'PUT',
    target: `${location}${separator}digest=${encodeURIComponent(digest)}`,
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
    context,
    push: true,
  });
  await finished.body?.cancel();
  const reported = finished.headers.get('docker-content-digest');
  if (reported !== null && reported !== '' && reported !== digest) {
    throw new IntegrityError(
      'DIGEST_MISMATCH',
      `registry ${client.host}/${repository}: stored the blob as ${reported}, its content digest is ${digest}`,
    );
  }
  return digest;
}
