/**
 * Parsing a `/v2/…` request path into the endpoint it addresses. Repository names nest to any
 * depth (`team/app/api`), so Fastify matches one wildcard and the endpoint is read from the end
 * of the path (`/manifests/<ref>`, `/blobs/uploads/<id>`, `/blobs/<digest>`, `/tags/list`,
 * `/referrers/<digest>`). Names and digests are checked against the spec's grammar here.
 */
import { DistributionError } from '../../distribution/errors.js';
import { isDigest, isRepositoryName } from '../../distribution/grammar.js';

/** The endpoint a `/v2` path addresses. */
export type V2Endpoint =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'referrers'; name: string; digest: string };

/** Longest path the registry reads (a name of 255 plus a sha512 digest fits easily). */
const maxPathLength = 2048;

/**
 * The endpoint of `url` (path and query, as on the request line). Throws `NAME_INVALID` for a name
 * outside the grammar (encoded slashes, `..`, empty components included), `DIGEST_INVALID` for a
 * malformed blob or referrers digest, and a 404 `UNSUPPORTED` for a path no endpoint has.
 * @example parseV2Path('/v2/team/app/blobs/uploads/') // { kind: 'uploads', name: 'team/app' }
 */
export function parseV2Path(url: string): V2Endpoint {
  const path = url.split('?', 1)[0] ?? '';
  if (path.length > maxPathLength) throw notFound();
  if (path === '/v2' || path === '/v2/') return { kind: 'base' };
  if (!path.startsWith('/v2/')) throw notFound();
  const segments = path.slice('/v2/'.length).split('/').map(decodeSegment);
  if (segments.length === 1 && segments[0] === '_catalog') return { kind: 'catalog' };
  const n = segments.length;
  const at = (index: number): string | undefined => segments[n + index];
  const nameBefore = (count: number): string => repositoryName(segments.slice(0, n - count));

  if (at(-2) === 'tags' && at(-1) === 'list' && n > 2) return { kind: 'tags', name: nameBefore(2) };
  if (at(-2) === 'manifests' && n > 2) {
    return { kind: 'manifest', name: nameBefore(2), reference: at(-1) ?? '' };
  }
  if (at(-3) === 'blobs' && at(-2) === 'uploads' && n > 3) {
    const id = at(-1) ?? '';
    if (id === '') return { kind: 'uploads', name: nameBefore(3) };
    return { kind: 'upload', name: nameBefore(3), id };
  }
  if (at(-2) === 'blobs' && n > 2) {
    const last = at(-1) ?? '';
    if (last === 'uploads') return { kind: 'uploads', name: nameBefore(2) };
    return { kind: 'blob', name: nameBefore(2), digest: digestSegment(last) };
  }
  if (at(-2) === 'referrers' && n > 2) {
    return { kind: 'referrers', name: nameBefore(2), digest: digestSegment(at(-1) ?? '') };
  }
  throw notFound();
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DistributionError('NAME_INVALID', 'the path holds a malformed percent-encoding');
  }
}

function repositoryName(segments: string[]): string {
  // A decoded segment holding '/' came from an encoded slash: the grammar refuses it with the rest.
  const name = segments.join('/');
  if (segments.some((segment) => segment.includes('/')) || !isRepositoryName(name)) {
    throw new DistributionError('NAME_INVALID', 'the repository name is outside the spec grammar', {
      detail: { name: name.slice(0, 300) },
    });
  }
  return name;
}

function digestSegment(segment: string): string {
  if (!isDigest(segment)) {
    throw new DistributionError(
      'DIGEST_INVALID',
      'the digest is not sha256:<64 hex> or sha512:<128 hex>',
      {
        detail: { digest: segment.slice(0, 200) },
      },
    );
  }
  return segment;
}

function notFound(): DistributionError {
  return new DistributionError('UNSUPPORTED', 'no registry endpoint at this path', { status: 404 });
}
