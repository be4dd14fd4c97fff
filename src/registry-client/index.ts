/**
 * The OCI distribution client: image references, credentials, an authenticated and retrying
 * registry client, and `openRegistryImage` to read an image straight from a registry.
 */
export {
  formatReference,
  manifestReference,
  parseReference,
  registryApiHost,
  type ImageReference,
} from './reference.js';
export { resolveCredentials, type CredentialSources, type Credentials } from './credentials.js';
export { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';
export { pullScope, pushScope, RegistryAuthenticator, type AuthenticatorOptions } from './auth.js';
export { parseRetryAfter, type RetryEvent, type RetryOptions } from './retry.js';
export {
  isLoopbackHost,
  manifestAccept,
  RegistryClient,
  type BlobDescriptor,
  type FetchedManifest,
  type RegistryClientOptions,
  type RegistryRequest,
} from './client.js';
export { blobExists, putManifest, sha256Digest, uploadBlob, type PushedManifest } from './write.js';
export {
  findManifest,
  listReferrers,
  type ReferrerDescriptor,
  type ReferrersLimits,
} from './referrers.js';
export { openRegistryImage, type RegistryImageOptions } from './image.js';
