/**
 * From a container's image reference to the manifest digest it runs: images in Moat's own
 * registry (the reference's host is one of Moat's names) are resolved in the metadata store
 * (`resolveTag`, `getManifest`); others through their registry with the registry client. A
 * reference naming a digest the registry does not hold, or whose content does not hash to it, is
 * refused with the reason. An image of a proxy project is pulled through first, as a pull would.
 * Tags of other registries are cached for the decision TTL (a moved tag
 * is seen once the entry expires); Moat's own tags are read fresh each time (one indexed query).
 */
import { createHash } from 'node:crypto';

import { isMoatError } from '../errors.js';
import { parseDigest } from '../image/digest.js';
import { parseReference, type ImageReference } from '../registry-client/reference.js';
import { resolveImage, type RegistryAccess } from '../sign/oci/resolve.js';
import type { ProxyService } from '../server/gate-types.js';
import type { MetadataStore } from '../store/types.js';

/** An image reference resolved to its digest. */
export interface ResolvedImage {
  ok: true;
  /** The reference as written in the pod spec. */
  image: string;
  reference: ImageReference;
  /** True for an image in Moat's own registry. */
  hosted: boolean;
  digest: string;
  /** Things worth telling the user (a tag that no longer points at the pinned digest). */
  warnings: string[];
}

/** An image that cannot be resolved, and why (one line). */
export interface UnresolvedImage {
  ok: false;
  image: string;
  reason: string;
}

/** How {@link ImageResolver} reaches images. */
export interface ImageResolverOptions {
  meta: MetadataStore;
  /** The registry hosts (`host[:port]`) that name Moat's own registry in references (asked each time: the port is known once listening). */
  hosts: () => readonly string[];
  /** Credentials and transport for other registries. */
  access?: RegistryAccess;
  /** Proxy projects: an image of one is pulled through (and scanned) before it is resolved. */
  proxy?: Pick<ProxyService, 'isProxied' | 'pullThrough'>;
  /** How long a tag of another registry stays resolved, ms. */
  tagTtlMs: number;
  /** Most cached tags of other registries. */
  maxTags?: number;
}

/** Resolves container images to digests; one per server. */
export class ImageResolver {
  private readonly tags = new Map<string, { digest: string; expiresAt: number }>();

  constructor(private readonly options: ImageResolverOptions) {}

  /** True when `registry` names Moat's own registry. */
  isHosted(registry: string): boolean {
    const host = registry.toLowerCase();
    return this.options.hosts().some((name) => name.toLowerCase() === host);
  }

  /** The parsed reference, or why it is not one. */
  parse(image: string): { ok: true; reference: ImageReference } | UnresolvedImage {
    try {
      return { ok: true, reference: parseReference(image) };
    } catch (error) {
      return { ok: false, image, reason: (error as Error).message };
    }
  }

  /**
   * Resolves one reference; never throws.
   * @example await resolver.resolve('127.0.0.1:5000/team/app:1.0') // { ok: true, hosted: true, digest: 'sha256:…', … }
   */
  async resolve(image: string): Promise<ResolvedImage | UnresolvedImage> {
    const parsed = this.parse(image);
    if (!parsed.ok) return parsed;
    const { reference } = parsed;
    const hosted = this.isHosted(reference.registry);
    try {
      return hosted
        ? await this.resolveHosted(image, reference)
        : await this.resolveElsewhere(image, reference);
    } catch (error) {
      const reason = isMoatError(error) ? error.message : `cannot resolve ${image}`;
      return { ok: false, image, reason };
    }
  }

  private async resolveHosted(
    image: string,
    reference: ImageReference,
  ): Promise<ResolvedImage | UnresolvedImage> {
    const { meta, proxy } = this.options;
    const name = `${reference.registry}/${reference.repository}`;
    if (proxy !== undefined && (await proxy.isProxied(reference.repository))) {
      // As a pull would: the tag re-resolved upstream, the manifest and its blobs stored and
      // verified, a scan requested. Its errors (upstream down or lying) refuse the image.
      await proxy.pullThrough(reference.repository, reference.digest ?? reference.tag ?? 'latest');
    }
    const tagged =
      reference.tag !== undefined
        ? await meta.resolveTag(reference.repository, reference.tag)
        : undefined;
    if (reference.digest === undefined) {
      if (tagged === undefined) {
        return {
          ok: false,
          image,
          reason: `Moat's registry has no tag ${name}:${reference.tag ?? 'latest'}`,
        };
      }
      return { ok: true, image, reference, hosted: true, digest: tagged, warnings: [] };
    }
    const record = await meta.getManifest(reference.repository, reference.digest);
    if (record === undefined) {
      return {
        ok: false,
        image,
        reason: `Moat's registry holds no manifest ${name}@${reference.digest}`,
      };
    }
    const { algorithm } = parseDigest(reference.digest);
    const actual = `${algorithm}:${createHash(algorithm).update(record.content).digest('hex')}`;
    if (actual !== reference.digest) {
      return {
        ok: false,
        image,
        reason: `the manifest stored for ${name}@${reference.digest} hashes to ${actual}: the digest does not match`,
      };
    }
    return {
      ok: true,
      image,
      reference,
      hosted: true,
      digest: reference.digest,
      warnings: movedTag(image, reference, tagged),
    };
  }

  private async resolveElsewhere(
    image: string,
    reference: ImageReference,
  ): Promise<ResolvedImage | UnresolvedImage> {
    const name = `${reference.registry}/${reference.repository}`;
    if (reference.digest !== undefined) {
      // Fetched by digest: the client checks the content hashes to it (DIGEST_MISMATCH otherwise).
      await resolveImage(`${name}@${reference.digest}`, this.access());
      return { ok: true, image, reference, hosted: false, digest: reference.digest, warnings: [] };
    }
    const key = `${name}:${reference.tag ?? 'latest'}`;
    const cached = this.tags.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) {
      return { ok: true, image, reference, hosted: false, digest: cached.digest, warnings: [] };
    }
    const resolved = await resolveImage(key, this.access());
    this.remember(key, resolved.image.digest);
    return {
      ok: true,
      image,
      reference,
      hosted: false,
      digest: resolved.image.digest,
      warnings: [],
    };
  }

  private access(): RegistryAccess {
    return this.options.access ?? {};
  }

  private remember(key: string, digest: string): void {
    if (this.options.tagTtlMs <= 0) return;
    this.tags.delete(key);
    this.tags.set(key, { digest, expiresAt: Date.now() + this.options.tagTtlMs });
    const max = this.options.maxTags ?? 10_000;
    while (this.tags.size > max) {
      const oldest = this.tags.keys().next().value;
      if (oldest === undefined) break;
      this.tags.delete(oldest);
    }
  }
}

function movedTag(image: string, reference: ImageReference, tagged: string | undefined): string[] {
  if (reference.tag === undefined || reference.digest === undefined) return [];
  if (tagged === reference.digest) return [];
  // The runtime pulls by digest and ignores the tag; the pinned content is what is decided.
  return [
    tagged === undefined
      ? `${image}: tag ${reference.tag} no longer exists; the digest is what runs`
      : `${image}: tag ${reference.tag} now points at ${tagged}; the digest is what runs`,
  ];
}
