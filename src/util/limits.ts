/**
 * Explicit limits on untrusted input. Every reader takes its limits from here so that they are
 * documented in one place and can be tightened in tests.
 */
export interface Limits {
  /** Largest manifest, index or config JSON document, in bytes. */
  maxJsonBytes: number;
  /** Most entries in one layer's tar stream. */
  maxLayerEntries: number;
  /** Largest uncompressed size of one layer, in bytes. */
  maxLayerBytes: number;
  /** Largest single file a cataloger may read into memory, in bytes. */
  maxBufferedFileBytes: number;
  /** Largest single file spooled to the private temp directory for random access, in bytes. */
  maxSpooledFileBytes: number;
  /** Most layers in one image. */
  maxLayers: number;
  /** Longest path inside an image, in bytes. */
  maxPathBytes: number;
  /** Most symbolic links followed while resolving one path. */
  maxSymlinkHops: number;
  /** Deepest nesting of archives inside archives (JAR in WAR in EAR…). */
  maxArchiveDepth: number;
  /** Most entries in one zip archive. */
  maxZipEntries: number;
  /** Largest total uncompressed bytes read out of one zip archive tree. */
  maxZipBytes: number;
  /** Most index levels followed in an OCI layout (index → index → manifest). */
  maxIndexDepth: number;
}

/** The limits Moat uses unless told otherwise. */
export const defaultLimits: Readonly<Limits> = Object.freeze({
  maxJsonBytes: 8 * 1024 * 1024,
  maxLayerEntries: 1_000_000,
  maxLayerBytes: 64 * 1024 ** 3,
  maxBufferedFileBytes: 32 * 1024 * 1024,
  maxSpooledFileBytes: 1024 ** 3,
  maxLayers: 256,
  maxPathBytes: 4096,
  maxSymlinkHops: 40,
  maxArchiveDepth: 4,
  maxZipEntries: 100_000,
  maxZipBytes: 1024 ** 3,
  maxIndexDepth: 8,
});
