/**
 * What the three rpmdb storage readers (Berkeley DB, NDB, SQLite) yield: header blobs, each
 * with a record id for warnings.
 */

/** One stored rpm header blob and where it came from (for warnings). */
export interface RpmBlob {
  /** Record identifier as the storage format knows it (`hnum 7`, `page 12`, `pkgidx 3`). */
  id: string;
  blob: Buffer;
}

/** Records a one-line warning about a record that was skipped. */
export type WarnFn = (message: string) => void;
