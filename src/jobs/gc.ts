/**
 * Online garbage collection of the registry's storage, following the protocol in
 * `store/types.ts`: the metadata store names the candidates, each blob is claimed (`deleting`, in
 * one statement that re-checks "unreferenced and untouched since the cutoff"), its bytes removed,
 * then its record. A push in flight touches what it relies on, so the claim fails for it; a
 * collector that dies leaves `deleting` records that the next pass finishes.
 *
 * Stray blobs — bytes in the blob store without a `present` record (a crash between writing and
 * recording, a restored database) — are not deleted on sight: the blob store cannot tell their
 * age, and a commit in flight looks the same. They are adopted instead (`beginBlob`: a `pending`
 * record touched now), so a later pass collects them through the same protocol once the grace
 * period has passed with nothing referring to them.
 */
import type { BlobInfo, BlobStore, Digest, MetadataStore } from '../store/types.js';

/** What a GC pass found and did. */
export interface GcReport {
  dryRun: boolean;
  blobsDeleted: number;
  bytesFreed: number;
  manifestsDeleted: number;
  /** Stray blobs given a record this pass (collected by a pass after the grace period). */
  strayBlobsAdopted: number;
  /** Deletions that failed (left for the next pass). */
  errors: number;
  /** What the pass considered (for a dry run: what a real pass would remove now). */
  candidates: {
    blobs: BlobInfo[];
    manifests: { repository: string; digest: Digest }[];
    strayBlobs: BlobInfo[];
  };
}

/** Options of {@link runGc}. */
export interface GcOptions {
  /** Report the candidates, change nothing. */
  dryRun: boolean;
  /** Also delete manifests that no tag, kept index or kept subject keeps alive. */
  untagged: boolean;
  /** Blobs and manifests touched more recently than this are kept, ms. */
  gracePeriodMs: number;
  log?: (message: string) => void;
}

/** Rounds of untagged-manifest deletion per pass (deleting an index frees its children). */
const maxManifestRounds = 8;
/** A `deleting` claim older than this is a dead collector's; adoption never takes one over. */
const adoptionStaleAfterMs = 24 * 3600_000;

/**
 * One GC pass. Safe while the registry serves and while other passes run on other processes.
 *
 * @example
 * const report = await runGc({ meta, blobs }, { dryRun: false, untagged: false, gracePeriodMs: 3600_000 });
 */
export async function runGc(
  ctx: { meta: MetadataStore; blobs: BlobStore },
  options: GcOptions,
): Promise<GcReport> {
  const { meta, blobs } = ctx;
  const log = options.log ?? (() => {});
  const touchedBefore = new Date(Date.now() - options.gracePeriodMs);
  const report: GcReport = {
    dryRun: options.dryRun,
    blobsDeleted: 0,
    bytesFreed: 0,
    manifestsDeleted: 0,
    strayBlobsAdopted: 0,
    errors: 0,
    candidates: { blobs: [], manifests: [], strayBlobs: [] },
  };

  if (options.untagged) {
    for (let round = 0; round < maxManifestRounds; round++) {
      const { manifests } = await meta.gcCandidates({ touchedBefore, untagged: true });
      for (const manifest of manifests) report.candidates.manifests.push(manifest);
      if (options.dryRun || manifests.length === 0) break;
      let deleted = 0;
      for (const { repository, digest } of manifests) {
        if (await meta.deleteUntaggedManifest(repository, digest)) deleted++;
      }
      report.manifestsDeleted += deleted;
      if (deleted === 0) break;
    }
  }

  const { blobs: candidates } = await meta.gcCandidates({ touchedBefore, untagged: false });
  report.candidates.blobs = candidates;
  if (!options.dryRun) {
    for (const candidate of candidates) {
      const freed = await collectBlob(ctx, candidate, touchedBefore, log);
      if (freed === 'error') report.errors++;
      else if (freed !== undefined) {
        report.blobsDeleted++;
        report.bytesFreed += freed;
      }
    }
  }

  const considered = new Set(candidates.map((candidate) => candidate.digest));
  for await (const stored of blobs.list()) {
    if (considered.has(stored.digest)) continue;
    if ((await meta.getBlobAnywhere(stored.digest)) !== undefined) continue;
    report.candidates.strayBlobs.push(stored);
    if (options.dryRun) continue;
    if ((await meta.beginBlob(stored.digest, adoptionStaleAfterMs)) === 'ok') {
      report.strayBlobsAdopted++;
    }
  }

  log(
    `gc${options.dryRun ? ' (dry run)' : ''}: deleted ${report.blobsDeleted} blobs (${report.bytesFreed} bytes), ` +
      `${report.manifestsDeleted} manifests; ${report.strayBlobsAdopted} stray blobs adopted; ${report.errors} errors`,
  );
  return report;
}

/**
 * Claims, deletes and forgets one blob. The bytes freed, undefined when the claim failed (the blob
 * was touched or referenced since it was listed), `error` when the store failed (the record stays
 * `deleting` and the next pass finishes it).
 */
async function collectBlob(
  ctx: { meta: MetadataStore; blobs: BlobStore },
  candidate: BlobInfo,
  touchedBefore: Date,
  log: (message: string) => void,
): Promise<number | undefined | 'error'> {
  if (!(await ctx.meta.claimBlobForDeletion(candidate.digest, touchedBefore))) return undefined;
  try {
    // A record adopted from a stray blob has no size yet: ask the store.
    const size =
      candidate.size > 0 ? candidate.size : ((await ctx.blobs.stat(candidate.digest))?.size ?? 0);
    await ctx.blobs.delete(candidate.digest);
    await ctx.meta.finishBlobDeletion(candidate.digest);
    return size;
  } catch (error) {
    log(
      `gc: could not delete ${candidate.digest}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 'error';
  }
}
