/**
 * Admission decisions cached per (policy hash, image), where the image is named by registry,
 * repository and manifest digest: the digest fixes the content, the registry and repository are
 * part of the key because `allowedRegistries` and signatures (bound to a repository) depend on
 * them. Entries live `ttlMs`; concurrent requests for one key share one computation; a failed
 * computation is not cached. The number of entries is bounded (oldest dropped first); a digest's
 * entries are dropped when its scan changes (a rescan after a database update).
 */
import type { Decision } from '../policy/types.js';

interface Entry {
  decision: Decision;
  expiresAt: number;
}

/** A bounded TTL cache of decisions with request coalescing. */
export class DecisionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Decision>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cache key of an image under a policy. */
  static keyOf(policyHash: string, image: string, digest: string): string {
    return `${policyHash}\u0000${image}@${digest}`;
  }

  /** A fresh cached decision, if any. */
  get(key: string): Decision | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.decision;
  }

  /**
   * The cached decision, or the one `compute` makes (shared with every concurrent caller of the
   * same key, and cached when it succeeds). With `store: false` a cached or in-flight decision is
   * still used, but one `compute` makes is neither shared nor cached: a dry-run review's decision
   * is not audited, and a later real review must make (and audit) its own.
   */
  async getOrCompute(
    key: string,
    compute: () => Promise<Decision>,
    options: { store?: boolean } = {},
  ): Promise<Decision> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    if (options.store === false) return compute();
    const made = compute().then(
      (decision) => {
        this.inFlight.delete(key);
        this.set(key, decision);
        return decision;
      },
      (error: unknown) => {
        this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, made);
    return made;
  }

  /** Forgets every decision about `digest` (its scan or signatures changed). */
  forgetDigest(digest: string): void {
    const suffix = `@${digest}`;
    for (const key of this.entries.keys()) {
      if (key.endsWith(suffix)) this.entries.delete(key);
    }
  }

  private set(key: string, decision: Decision): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { decision, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
