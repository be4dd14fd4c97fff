/**
 * From a reference to the image a signature is about: parse it, open a client for its registry
 * (credentials from the command line, `MOAT_REGISTRY_*` or the Docker config) and resolve a tag
 * to the digest of the manifest or index it names. An index is signed as such, as cosign does.
 */
import { RegistryClient } from '../../registry-client/client.js';
import { resolveCredentials } from '../../registry-client/credentials.js';
import {
  manifestReference,
  parseReference,
  registryApiHost,
} from '../../registry-client/reference.js';
import type { RetryOptions } from '../../registry-client/retry.js';
import { httpTimeoutsFromEnv, type FetchLike } from '../../util/timed-fetch.js';
import type { SignedImage } from '../types.js';

/** How to reach the registry holding the image and its signatures. */
export interface RegistryAccess {
  username?: string;
  password?: string;
  /** Plain HTTP (implied for loopback hosts). */
  insecure?: boolean;
  /** Retry policy (tests shorten it). */
  retry?: RetryOptions;
  /** Environment for credentials and timeouts (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Sends the registry's requests instead of the global `fetch` (`moat serve`'s own registry, in-process). */
  fetch?: FetchLike;
}

/** A resolved image: the client that reached it, the image, and whether a tag was resolved. */
export interface ResolvedImage {
  client: RegistryClient;
  image: SignedImage;
  /** True when the reference named a tag only (the digest came from the registry). */
  byTag: boolean;
}

/**
 * The `docker-reference` cosign writes: go-containerregistry's `Repository.Name()`, i.e. the
 * registry and repository without tag or digest, Docker Hub spelled `index.docker.io`
 * (sigstore `pkg/signature/payload/payload.go`: `p.Image.Repository.Name()`).
 */
export function dockerReferenceOf(registry: string, repository: string): string {
  const host = registry === 'docker.io' ? 'index.docker.io' : registry;
  return `${host}/${repository}`;
}

/**
 * Resolves `reference` to the digest, media type and size of the manifest it names.
 * @example const { client, image } = await resolveImage('127.0.0.1:5000/app:1.0', {});
 */
export async function resolveImage(
  reference: string,
  access: RegistryAccess,
): Promise<ResolvedImage> {
  const parsed = parseReference(reference);
  const env = access.env ?? process.env;
  const credentials = await resolveCredentials(parsed.registry, {
    ...(access.username !== undefined ? { username: access.username } : {}),
    ...(access.password !== undefined ? { password: access.password } : {}),
    env,
  });
  const client = new RegistryClient({
    host: registryApiHost(parsed.registry),
    ...(credentials !== undefined ? { credentials } : {}),
    ...(access.insecure === true ? { insecure: true } : {}),
    ...(access.retry !== undefined ? { retry: access.retry } : {}),
    ...(access.fetch !== undefined ? { fetch: access.fetch } : {}),
    timeouts: httpTimeoutsFromEnv(env),
  });
  const fetched = await client.getManifest(parsed.repository, manifestReference(parsed));
  const image: SignedImage = {
    registry: parsed.registry,
    repository: parsed.repository,
    digest: fetched.digest,
    mediaType: fetched.mediaType,
    size: fetched.bytes.length,
    dockerReference: dockerReferenceOf(parsed.registry, parsed.repository),
  };
  return { client, image, byTag: parsed.digest === undefined };
}
