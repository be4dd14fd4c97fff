/**
 * Image references as Docker spells them (`alpine`, `host:5000/a/b:tag`, `a/b@sha256:…`):
 * parsing, validation against the distribution reference grammar, and Docker Hub normalisation
 * (`alpine` → `docker.io/library/alpine:latest`).
 */
import { InvalidInputError } from '../errors.js';
import { parseDigest } from '../image/digest.js';

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry as named in references: `docker.io`, `127.0.0.1:5000`, `localhost`. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  repository: string;
  /** Tag, when given (or `latest` when neither tag nor digest was given). */
  tag?: string;
  /** Digest, when given. */
  digest?: string;
}

const dockerHub = 'docker.io';
const maxNameLength = 255;
// From the distribution reference grammar: path components are lower-case alphanumerics joined
// by `.`, `_`, `__` or runs of `-`.
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const hostPattern =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

function invalid(input: string, reason: string): InvalidInputError {
  return new InvalidInputError(
    'TARGET_INVALID',
    `invalid image reference ${JSON.stringify(input.slice(0, 300))}: ${reason}`,
  );
}

/** True when the first path part of a reference names a registry rather than a Hub namespace. */
function looksLikeRegistry(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost';
}

/**
 * Parses and normalises an image reference; throws `TARGET_INVALID` when it breaks the grammar.
 * @example parseReference('alpine') // { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }
 */
export function parseReference(input: string): ImageReference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (error) {
      throw invalid(input, `bad digest (${(error as Error).message})`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagPattern.test(tag)) {
      throw invalid(input, 'a tag is 1–128 of [A-Za-z0-9_.-] and must not start with . or -');
    }
  }
  const parts = rest.split('/');
  let registry = dockerHub;
  if (parts.length > 1 && looksLikeRegistry(parts[0] ?? '')) {
    registry = parts.shift() ?? '';
    if (!hostPattern.test(registry)) throw invalid(input, `bad registry host ${registry}`);
  }
  if (registry === 'index.docker.io') registry = dockerHub;
  for (const part of parts) {
    if (!pathComponent.test(part)) {
      throw invalid(
        input,
        `repository path component ${JSON.stringify(part)} must be lower-case letters, digits and separators`,
      );
    }
  }
  if (registry === dockerHub && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > maxNameLength) {
    throw invalid(input, `repository name is longer than ${maxNameLength} characters`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  const reference: ImageReference = { registry, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** The host (and port) to send API requests to: Docker Hub's API lives at `registry-1.docker.io`. */
export function registryApiHost(registry: string): string {
  return registry === dockerHub ? 'registry-1.docker.io' : registry;
}

/** The tag or digest to fetch the manifest by: the digest wins when both are given. */
export function manifestReference(reference: ImageReference): string {
  return reference.digest ?? reference.tag ?? 'latest';
}

/**
 * The fully qualified form of a reference.
 * @example formatReference(parseReference('alpine')) // 'docker.io/library/alpine:latest'
 */
export function formatReference(reference: ImageReference): string {
  let out = `${reference.registry}/${reference.repository}`;
  if (reference.tag !== undefined) out += `:${reference.tag}`;
  if (reference.digest !== undefined) out += `@${reference.digest}`;
  return out;
}
