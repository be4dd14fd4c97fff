/**
 * Walks a Java archive and the archives nested in it (JAR in WAR in EAR…) with yauzl, reading
 * only `pom.properties`, `MANIFEST.MF` and nested archives, under explicit limits: nesting
 * depth, entries and uncompressed bytes across the whole tree, the size each entry declares
 * (enforced while reading) and a compression-ratio guard against zip bombs.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { Entry, Options as ZipOptions, ZipFile } from 'yauzl';

import { LimitExceededError, isMoatError } from '../../../errors.js';
import type { AnalyzerContext, FoundPackage } from '../../types.js';
import { POM_PROPERTIES, identifyArchive, type ArchiveEvidence } from './java-identity.js';

/** File-name endings of Java archives. */
export const JAVA_ARCHIVE_EXTENSIONS = [
  '.jar',
  '.war',
  '.ear',
  '.par',
  '.sar',
  '.jpi',
  '.hpi',
  '.kar',
];
/** Largest pom.properties or MANIFEST.MF read. */
const MAX_METADATA_BYTES = 1024 * 1024;
/** Nested archives up to this size are read from memory; larger ones go to a temp file. */
const IN_MEMORY_ARCHIVE_BYTES = 8 * 1024 * 1024;
/** Entries inflating more than this many times their compressed size, and past {@link BOMB_MIN_BYTES}, are skipped. */
export const MAX_COMPRESSION_RATIO = 100;
const BOMB_MIN_BYTES = 1024 * 1024;

/** yauzl is loaded on the first archive: most images have none, and it costs memory. */
async function loadYauzl(): Promise<typeof import('yauzl')> {
  return (await import('yauzl')).default;
}

/** yauzl reports bad zip structure with plain errors; say what they are about. */
function describeFailure(error: unknown): string {
  if (isMoatError(error)) return error.message;
  return `corrupt zip: ${error instanceof Error ? error.message : String(error)}`;
}

/** A limit on the whole archive tree: reading stops everywhere, not just in one nested archive. */
class TreeLimitError extends LimitExceededError {}

const ZIP_OPTIONS: ZipOptions = {
  lazyEntries: true,
  validateEntrySizes: true,
  autoClose: false,
};

/** True when a path names a Java archive by its extension. */
export function isJavaArchivePath(path: string): boolean {
  const lower = path.toLowerCase();
  return JAVA_ARCHIVE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** State shared by every archive of one tree. */
interface Walk {
  ctx: AnalyzerContext;
  packages: FoundPackage[];
  warnings: string[];
  entriesLeft: number;
  bytesLeft: number;
}

/** Catalogs the archive at `path` (labelled `label` in warnings and metadata) and everything nested in it. */
export async function walkJavaArchive(
  path: string,
  label: string,
  ctx: AnalyzerContext,
): Promise<{ packages: FoundPackage[]; warnings: string[] }> {
  const walk: Walk = {
    ctx,
    packages: [],
    warnings: [],
    entriesLeft: ctx.limits.maxZipEntries,
    bytesLeft: ctx.limits.maxZipBytes,
  };
  try {
    await readArchive(await (await loadYauzl()).openPromise(path, ZIP_OPTIONS), label, 0, walk);
  } catch (error) {
    // A tree limit's message already names the archive, perhaps a nested one, it was reached in.
    walk.warnings.push(
      error instanceof TreeLimitError ? error.message : `${label}: ${describeFailure(error)}`,
    );
  }
  return { packages: walk.packages, warnings: walk.warnings };
}

/** Reads one opened archive; closes it. Limit errors propagate (they end the whole tree). */
async function readArchive(zip: ZipFile, label: string, depth: number, walk: Walk): Promise<void> {
  const evidence: ArchiveEvidence = {
    fileName: basename(label.split('!').pop() ?? label),
    pomProperties: [],
  };
  try {
    if (zip.entryCount > walk.entriesLeft) {
      throw new TreeLimitError(
        `${label}: ${zip.entryCount} entries exceed the limit of ${walk.ctx.limits.maxZipEntries}`,
      );
    }
    walk.entriesLeft -= zip.entryCount;
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith('/')) continue;
      if (POM_PROPERTIES.test(name)) {
        const text = await readSmallEntry(zip, entry, label, walk);
        if (text !== undefined) evidence.pomProperties.push(text);
      } else if (name.toUpperCase() === 'META-INF/MANIFEST.MF') {
        evidence.manifest = await readSmallEntry(zip, entry, label, walk);
      } else if (isJavaArchivePath(name)) {
        await readNested(zip, entry, `${label}!${name}`, depth + 1, walk);
      }
    }
  } finally {
    zip.close();
  }
  for (const pkg of identifyArchive(evidence)) {
    walk.packages.push({ ...pkg, metadata: { ...pkg.metadata, archive: label } });
  }
}

/** Why an entry must not be read, or undefined if it may be. */
function refusal(entry: Entry, max: number): string | undefined {
  const { compressedSize, uncompressedSize } = entry;
  if (entry.isEncrypted()) return 'entry is encrypted';
  if (
    uncompressedSize > BOMB_MIN_BYTES &&
    uncompressedSize > compressedSize * MAX_COMPRESSION_RATIO
  ) {
    return `compression ratio over ${MAX_COMPRESSION_RATIO}:1 (${compressedSize} → ${uncompressedSize} bytes), possible zip bomb`;
  }
  if (uncompressedSize > max) return `${uncompressedSize} bytes exceed the limit of ${max}`;
  return undefined;
}

/** Charges an entry's declared size to the tree's byte budget. */
function charge(walk: Walk, entry: Entry, label: string): void {
  if (entry.uncompressedSize > walk.bytesLeft) {
    throw new TreeLimitError(
      `${label}: archive tree exceeds ${walk.ctx.limits.maxZipBytes} uncompressed bytes`,
    );
  }
  walk.bytesLeft -= entry.uncompressedSize;
}

/** A transform that fails once more than `max` bytes have passed. */
function byteCap(max: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > max ? new LimitExceededError(`${what}: more than ${max} bytes`) : null, chunk);
    },
  });
}

async function readToBuffer(stream: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(stream, byteCap(max, what), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

async function readSmallEntry(
  zip: ZipFile,
  entry: Entry,
  label: string,
  walk: Walk,
): Promise<string | undefined> {
  const what = `${label}!${entry.fileName}`;
  const refused = refusal(entry, MAX_METADATA_BYTES);
  if (refused) {
    walk.warnings.push(`${what}: skipped: ${refused}`);
    return undefined;
  }
  charge(walk, entry, label);
  try {
    return (
      await readToBuffer(await zip.openReadStreamPromise(entry), entry.uncompressedSize, what)
    ).toString('utf8');
  } catch (error) {
    walk.warnings.push(`${what}: ${describeFailure(error)}`);
    return undefined;
  }
}

async function readNested(
  zip: ZipFile,
  entry: Entry,
  label: string,
  depth: number,
  walk: Walk,
): Promise<void> {
  const { limits } = walk.ctx;
  if (depth > limits.maxArchiveDepth) {
    walk.warnings.push(`${label}: skipped: nested deeper than ${limits.maxArchiveDepth} archives`);
    return;
  }
  const refused = refusal(entry, limits.maxSpooledFileBytes);
  if (refused) {
    walk.warnings.push(`${label}: skipped: ${refused}`);
    return;
  }
  charge(walk, entry, label);
  let spooled: string | undefined;
  try {
    let nested: ZipFile;
    if (entry.uncompressedSize <= IN_MEMORY_ARCHIVE_BYTES) {
      const bytes = await readToBuffer(
        await zip.openReadStreamPromise(entry),
        entry.uncompressedSize,
        label,
      );
      nested = await (await loadYauzl()).fromBufferPromise(bytes, ZIP_OPTIONS);
    } else {
      spooled = join(await walk.ctx.tempDir(), `java-nested-${randomUUID()}.zip`);
      const stream = await zip.openReadStreamPromise(entry);
      await pipeline(stream, byteCap(entry.uncompressedSize, label), createWriteStream(spooled));
      nested = await (await loadYauzl()).openPromise(spooled, ZIP_OPTIONS);
    }
    await readArchive(nested, label, depth, walk);
  } catch (error) {
    if (error instanceof TreeLimitError) throw error;
    walk.warnings.push(`${label}: ${describeFailure(error)}`);
  } finally {
    if (spooled) await rm(spooled, { force: true });
  }
}
