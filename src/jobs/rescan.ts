/**
 * Rescans after a vulnerability database change. The watcher notices the change (the database
 * file is replaced by rename on every `moat db import` or update, so its inode, size or time
 * changes; the version — update time and a hash of the status — tells a real change from a
 * touch). The rescan re-matches every stored inventory not matched against the current version,
 * without reading any image again, stores the new findings, tells the listeners (the gate
 * re-decides) and attaches a fresh signed report.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';

import type { Inventory } from '../catalog/types.js';
import { prepareVulnDb } from '../scan.js';
import {
  listStaleScans,
  setScanReferrers,
  updateScanFindings,
} from '../store/gate/scan-results.js';
import { vulnDbPath } from '../util/cache-paths.js';
import { matchAndFilter, packJson, summaryOf, unpackJson, vulnDbVersion } from './scan-pipeline.js';
import { attachReport } from './scan-referrers.js';
import type { ScanRunner } from './scan-run.js';

/** What a rescan did. */
export interface RescanReport {
  /** The database version matched against. */
  dbVersion: string;
  /** Stored scans re-matched. */
  rescanned: number;
  /** Of those, scans whose findings changed. */
  changed: number;
}

const pageSize = 50;

/**
 * Re-matches every done scan not matched against the current database; `changed` is told
 * about each digest whose results were updated.
 */
export async function rescanStored(
  runner: ScanRunner,
  reason: string,
  changed: (digest: string) => Promise<void>,
): Promise<RescanReport> {
  const dbPath = await prepareVulnDb(runner.scan);
  const { version } = vulnDbVersion(dbPath);
  const report: RescanReport = { dbVersion: version, rescanned: 0, changed: 0 };
  let after = '';
  for (;;) {
    const page = await listStaleScans(runner.database, version, { after, limit: pageSize });
    if (page.length === 0) break;
    for (const { digest, repository, inventory: packed, findings: oldPacked } of page) {
      after = digest;
      const now = new Date();
      const inventory = await unpackJson<Inventory>(packed);
      const matched = matchAndFilter(inventory, dbPath, now);
      const findings = await packJson(matched);
      const updated = await updateScanFindings(
        runner.database,
        digest,
        { findings, summary: JSON.stringify(summaryOf(matched.findings)), dbVersion: version },
        Date.now(),
      );
      if (!updated) continue;
      report.rescanned += 1;
      const before = await unpackJson<{ findings: { id: string; purl: string }[] }>(oldPacked);
      if (findingKeys(before.findings) !== findingKeys(matched.findings)) report.changed += 1;
      await changed(digest);
      if (runner.signer !== undefined) {
        try {
          const reportDigest = await attachReport(
            runner.signer,
            repository,
            digest,
            inventory,
            matched,
            {
              startedOn: now.toISOString(),
              finishedOn: new Date().toISOString(),
              dbVersion: version,
            },
          );
          await setScanReferrers(runner.database, digest, { report: reportDigest }, Date.now());
        } catch (error) {
          runner.log.warn({ digest, err: error, reason }, 'could not attach the new report');
        }
      }
    }
  }
  return report;
}

function findingKeys(findings: readonly { id: string; purl: string }[]): string {
  return findings
    .map((finding) => `${finding.id} ${finding.purl}`)
    .sort()
    .join('\n');
}

/** A database version as the watcher reports it. */
export interface WatchedVersion {
  version: string;
  /** A short hash of `version` (for job ids). */
  hash: string;
}

/**
 * Checks the database under `cacheDir` every `intervalMs` and calls `onChange` with its version
 * at the first check that finds one, and whenever it changes after. Returns the stop function.
 */
export function watchVulnDb(
  cacheDir: string,
  intervalMs: number,
  onChange: (version: WatchedVersion) => void,
): () => void {
  const path = vulnDbPath(cacheDir);
  let lastFile = '';
  let lastVersion = '';
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) return;
      const file = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
      if (file === lastFile) return;
      lastFile = file;
      const { version } = vulnDbVersion(path);
      if (version === lastVersion) return;
      lastVersion = version;
      onChange({ version, hash: createHash('sha256').update(version).digest('hex').slice(0, 16) });
    } catch {
      // A database being replaced or of another schema: the next check tries again.
      lastFile = '';
    } finally {
      checking = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
