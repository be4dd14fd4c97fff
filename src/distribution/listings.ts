/**
 * Listings: the tags of a repository and the catalog of repositories, paginated with `n` and
 * `last` (spec.md, "Listing Tags"), and the referrers of a digest.
 */
import type { Digest, Page } from '../store/types.js';
import { DistributionError } from './errors.js';
import { buildReferrersIndex, type ReferrersIndex } from './referrers.js';
import type { RegistryStores } from './stores.js';

/** A page of names, and the `last` value that continues it when more follow. */
export interface ListingPage {
  items: string[];
  /** Set when more items follow: the request for the next page uses `last=<next>` and `n`. */
  next?: { last: string; n: number };
}

/**
 * Reads the `n` and `last` query parameters: `n` is a non-negative integer (else
 * `PAGINATION_NUMBER_INVALID`), capped at the configured page size; absent means the page size.
 */
export function parsePage(
  query: { n?: string | undefined; last?: string | undefined },
  maxPageSize: number,
): { n: number; last?: string } {
  let n = maxPageSize;
  if (query.n !== undefined && query.n !== '') {
    if (!/^\d{1,12}$/.test(query.n)) {
      throw new DistributionError('PAGINATION_NUMBER_INVALID', 'n must be a non-negative integer', {
        detail: { n: query.n.slice(0, 40) },
      });
    }
    n = Math.min(Number(query.n), maxPageSize);
  }
  return { n, ...(query.last !== undefined && query.last !== '' ? { last: query.last } : {}) };
}

/** One page of `repository`'s tags; `NAME_UNKNOWN` when the repository is unknown. */
export async function listTagsPage(
  stores: RegistryStores,
  repository: string,
  page: { n: number; last?: string },
): Promise<ListingPage> {
  const tags = await stores.meta.listTags(repository, lookAhead(page));
  if (tags === undefined) {
    throw new DistributionError('NAME_UNKNOWN', `repository ${repository} is not known`, {
      detail: { name: repository },
    });
  }
  return cut(tags, page.n);
}

/** One page of the catalog. */
export async function listCatalogPage(
  stores: RegistryStores,
  page: { n: number; last?: string },
): Promise<ListingPage> {
  return cut(await stores.meta.listRepositories(lookAhead(page)), page.n);
}

/** The referrers index of `digest` in `repository`, filtered by `artifactType` when given. */
export async function listReferrers(
  stores: RegistryStores,
  repository: string,
  digest: Digest,
  artifactType?: string,
): Promise<ReferrersIndex> {
  return buildReferrersIndex(await stores.meta.listReferrers(repository, digest, artifactType));
}

/** Asks for one item more than the page holds, to learn whether a next page exists. */
function lookAhead(page: { n: number; last?: string }): Page {
  return { n: page.n + 1, ...(page.last !== undefined ? { last: page.last } : {}) };
}

function cut(items: string[], n: number): ListingPage {
  if (n === 0) return { items: [] };
  if (items.length <= n) return { items };
  const kept = items.slice(0, n);
  return { items: kept, next: { last: kept[kept.length - 1] ?? '', n } };
}
