/**
 * Buffer sizes for streaming blobs. Larger than Node's defaults (64 KiB file reads, 16 KiB zlib
 * output) because per-chunk overhead, not bandwidth, dominated layer reading in the benchmark.
 */

/** Bytes per read from a blob file or archive member. */
export const blobReadBytes = 256 * 1024;

/** Bytes per chunk of inflated layer output. */
export const blobChunkBytes = 128 * 1024;
