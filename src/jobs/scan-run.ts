/**
 * Running one scan: take the `artifact_scans` row (`pending`, or `running` but stale because its
 * process died), keep it alive with a heartbeat, read the stored manifest, catalog and match it
 * (an index: each platform image first, stored on its own, then their union), store the gzip
 * JSON results, attach the signed SBOM and vulnerability report. A failed attempt puts the row
 * back to `pending` for the queue's retry; the last one leaves it `failed` with one line.
 */
import type { Inventory } from '../catalog/types.js';
import { MoatError } from '../errors.js';
import { prepareVulnDb } from '../scan.js';
import {
  claimScan,
  endScan,
  getScanRow,
  insertScanIfAbsent,
  touchScan,
} from '../store/gate/scans.js';
import { finishScan, getScanDocuments, setScanReferrers } from '../store/gate/scan-results.js';
import type { StoreDatabase } from '../store/metadata/database.js';
import type { BlobStore, MetadataStore } from '../store/types.js';
import type { Limits } from '../util/limits.js';
import { classifyManifest, openStoredImage } from './scan-image.js';
import { mergeIndexInventory } from './scan-index.js';
import {
  catalogStoredImage,
  matchAndFilter,
  packJson,
  summaryOf,
  unpackJson,
  vulnDbVersion,
  type MatchedFindings,
} from './scan-pipeline.js';
import { attachReport, attachSbom, type ReferrerSigner } from './scan-referrers.js';

/** Where a scanning process logs (pino's shape; Fastify's logger fits). */
export interface ScanLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** What running a scan needs. */
export interface ScanRunner {
  meta: MetadataStore;
  blobs: BlobStore;
  database: StoreDatabase;
  scan: { cacheDir: string; offline: boolean };
  limits: Limits;
  /** Absent: no referrers are attached. */
  signer?: ReferrerSigner;
  /** A `running` row not touched for this long belongs to a dead process. */
  staleAfterMs: number;
  log: ScanLog;
  /** The host that names this registry in the documents (`moat.internal`). */
  host: string;
  /** Told as soon as a scan's results are stored (before its referrers are attached). */
  onStored?: (digest: string) => Promise<void>;
}

/** How a run ended. */
export type RunOutcome = 'done' | 'busy' | 'skipped' | 'failed' | 'retry';

/**
 * Runs the scan of `repository@digest` if this caller can take it: `busy` when another live
 * process holds it, `skipped` when it is not waiting (done, failed, not applicable).
 */
export async function runScan(
  runner: ScanRunner,
  repository: string,
  digest: string,
  attempt: { attempt: number; attempts: number },
): Promise<RunOutcome> {
  const { database } = runner;
  const now = Date.now();
  if (!(await claimScan(database, digest, now - runner.staleAfterMs, now))) {
    const row = await getScanRow(database, digest);
    return row?.state === 'running' ? 'busy' : 'skipped';
  }
  const heartbeat = setInterval(
    () => void touchScan(database, digest, Date.now()).catch(() => undefined),
    Math.max(50, Math.floor(runner.staleAfterMs / 3)),
  );
  heartbeat.unref();
  try {
    await scanClaimed(runner, repository, digest);
    return 'done';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const last = attempt.attempt >= attempt.attempts;
    await endScan(database, digest, last ? 'failed' : 'pending', message, Date.now());
    runner.log.warn(
      { digest, repository, attempt: attempt.attempt, err: error },
      last ? 'scan failed' : 'scan attempt failed; retrying',
    );
    return last ? 'failed' : 'retry';
  } finally {
    clearInterval(heartbeat);
  }
}

async function scanClaimed(runner: ScanRunner, repository: string, digest: string): Promise<void> {
  const startedOn = new Date();
  const record = await runner.meta.getManifest(repository, digest);
  if (record === undefined) {
    throw new MoatError('NOT_FOUND', `${repository}@${digest} is no longer stored`);
  }
  const kind = classifyManifest(record, runner.limits);
  if (kind.kind === 'not_applicable') {
    await endScan(runner.database, digest, 'not_applicable', kind.reason, Date.now());
    return;
  }
  const dbPath = await prepareVulnDb(runner.scan);
  const { version } = vulnDbVersion(dbPath);
  const target = `${runner.host}/${repository}@${digest}`;
  let inventory: Inventory;
  if (kind.kind === 'image') {
    const image = await openStoredImage(runner.blobs, record, runner.limits, { host: runner.host });
    inventory = await catalogStoredImage(image, startedOn);
  } else {
    const platforms: Inventory[] = [];
    for (const child of kind.children) {
      const childInventory = await platformInventory(runner, repository, child.digest);
      if (childInventory !== undefined) platforms.push(childInventory);
    }
    if (platforms.length === 0) {
      throw new MoatError('MANIFEST_INVALID', `${target}: no platform image could be scanned`);
    }
    inventory = mergeIndexInventory(target, digest, platforms);
  }
  const matched = matchAndFilter(inventory, dbPath, startedOn);
  const finishedOn = new Date().toISOString();
  // The results first: a pull waiting for the decision needs them, not the referrers, which
  // follow (signing and rendering a large SBOM takes as long as the scan itself).
  await store(runner, digest, inventory, matched, version);
  await runner.onStored?.(digest);
  const referrers = await attach(runner, repository, digest, inventory, matched, {
    startedOn: startedOn.toISOString(),
    finishedOn,
    dbVersion: version,
  });
  if (referrers) await setScanReferrers(runner.database, digest, referrers, Date.now());
}

/** A platform image of an index: its stored inventory, scanning it first when needed. */
async function platformInventory(
  runner: ScanRunner,
  repository: string,
  digest: string,
): Promise<Inventory | undefined> {
  const child = await runner.meta.getManifest(repository, digest);
  if (child === undefined || classifyManifest(child, runner.limits).kind !== 'image') {
    return undefined;
  }
  await insertScanIfAbsent(runner.database, { digest, repository, state: 'pending' }, Date.now());
  const stored = await getScanDocuments(runner.database, digest);
  if (stored !== undefined) return unpackJson<Inventory>(stored.inventory);
  const outcome = await runScan(runner, repository, digest, { attempt: 1, attempts: 1 });
  if (outcome !== 'done') return undefined;
  const done = await getScanDocuments(runner.database, digest);
  return done && unpackJson<Inventory>(done.inventory);
}

async function store(
  runner: ScanRunner,
  digest: string,
  inventory: Inventory,
  matched: MatchedFindings,
  dbVersion: string,
): Promise<void> {
  await finishScan(
    runner.database,
    digest,
    {
      inventory: await packJson(inventory),
      findings: await packJson(matched),
      summary: JSON.stringify(summaryOf(matched.findings)),
      dbVersion,
    },
    Date.now(),
  );
}

/** Attaches the signed referrers; a failure is logged (the scan is done all the same). */
async function attach(
  runner: ScanRunner,
  repository: string,
  digest: string,
  inventory: Inventory,
  matched: MatchedFindings,
  provenance: { startedOn: string; finishedOn: string; dbVersion: string },
): Promise<{ sbom: string; report: string } | undefined> {
  const signer = runner.signer;
  if (signer === undefined) return undefined;
  try {
    const sbom = await attachSbom(signer, repository, digest, inventory);
    const report = await attachReport(signer, repository, digest, inventory, matched, provenance);
    return { sbom, report };
  } catch (error) {
    runner.log.warn({ digest, repository, err: error }, 'could not attach the scan referrers');
    return undefined;
  }
}
