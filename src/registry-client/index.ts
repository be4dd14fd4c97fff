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
export { pullScope, RegistryAuthenticator, type AuthenticatorOptions } from './auth.js';
export { parseRetryAfter, type RetryEvent, type RetryOptions } from './retry.js';
export {
  isLoopbackHost,
  manifestAccept,
  RegistryClient,
  type BlobDescriptor,
  type FetchedManifest,
  type RegistryClientOptions,
} from './client.js';
export { openRegistryImage, type RegistryImageOptions } from './image.js';
