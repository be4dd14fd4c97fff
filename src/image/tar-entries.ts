/**
 * Reading a layer blob as a stream of {@link LayerEntry}: decompression by magic bytes, tar
 * parsing (pax, GNU long names) with tar-stream, path normalisation, and the limits that keep a
 * hostile layer from exhausting memory or time. Backpressure is end to end: the blob is read only
 * as fast as the consumer reads entry contents, and an entry nobody read is drained on `next()`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import tar, { type Header } from 'tar-stream';

import { InvalidInputError, isMoatError, LimitExceededError } from '../errors.js';
import type { Limits } from '../util/limits.js';
import { archiveError, decompressor, peekBytes, sniffCompression } from './decompress.js';
import { normaliseEntryPath } from './entry-path.js';
import { layerCompression } from './media-types.js';
import type { EntryType, LayerDescriptor, LayerEntry } from './types.js';
import { verifyBlob, type ExpectedBlob } from './verify.js';

/** Options for {@link readLayerEntries}. */
export interface ReadLayerOptions {
  /** Names the layer in warnings and errors (a digest or a file name). */
  name: string;
  limits: Limits;
  onWarning?: (message: string) => void;
  /** When given, the uncompressed tar must hash to this digest (a config `diff_id`). */
  diffId?: string;
  /** When given, the blob as read (still compressed) must have this digest and size. */
  blob?: ExpectedBlob;
}

type TarEntry = ReturnType<typeof tar.extract> extends AsyncIterable<infer E> ? E : never;

const entryTypes: Partial<Record<Header['type'], EntryType>> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
};

/**
 * Wraps a tar-stream entry in a Node Readable, created only when someone asks for the content
 * (most entries are skipped unread), and knows how to drain whatever is left.
 */
function contentOf(
  entry: TarEntry,
  name: string,
): { content: () => Readable; drain: () => Promise<void> } {
  let ended = false;
  let draining = false;
  let content: Readable | undefined;
  let failure: Error | undefined;
  entry.on('error', (error: Error) => {
    failure = archiveError(error, name);
    if (content && !content.destroyed) content.destroy(failure);
  });
  const finished = new Promise<void>((resolve) => {
    entry.on('end', () => {
      ended = true;
      if (!draining && content && !content.destroyed) content.push(null);
      resolve();
    });
    entry.on('close', () => {
      // Closed before its end: the archive was cut short or torn down under this entry.
      if (!ended)
        failure ??= new InvalidInputError('ARCHIVE_TRUNCATED', `${name}: archive is truncated`);
      if (!ended && content && !content.destroyed && !draining) content.destroy(failure);
      resolve();
    });
  });
  const open = (): Readable => {
    if (content) return content;
    const readable = new Readable({
      read() {
        entry.resume();
      },
      destroy(error, callback) {
        entry.resume();
        callback(error);
      },
    });
    content = readable;
    if (failure) {
      readable.destroy(failure);
      return readable;
    }
    entry.on('data', (chunk: unknown) => {
      if (draining || readable.destroyed) return;
      if (!readable.push(chunk)) entry.pause();
    });
    if (ended) readable.push(null);
    return readable;
  };
  const drain = async () => {
    draining = true;
    if (!ended) {
      entry.resume();
      await finished;
    }
  };
  return { content: open, drain };
}

async function skip(entry: TarEntry): Promise<void> {
  await contentOf(entry, '').drain();
}

/**
 * Streams the entries of one layer blob (gzip, zstd or plain tar, sniffed).
 * Unsafe paths are skipped with a warning; limits and corruption end the iteration with a
 * {@link LimitExceededError} or `ARCHIVE_TRUNCATED`/`ARCHIVE_CORRUPT` naming the layer.
 * @example for await (const entry of readLayerEntries(blob, { name, limits })) console.log(entry.path);
 */
export async function* readLayerEntries(
  blob: Readable,
  options: ReadLayerOptions,
): AsyncGenerator<LayerEntry, void, undefined> {
  const { name, limits } = options;
  const warn = options.onWarning ?? (() => undefined);
  const extract = tar.extract();
  let failure: unknown;
  try {
    const compression = sniffCompression(await peekBytes(blob, 4));
    // One pipeline holds every stage, so an error anywhere (a digest checked at the very end
    // included) reaches this iteration instead of surfacing as an unhandled 'error' event.
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [blob];
    if (options.blob) stages.push(verifyBlob(options.blob, name));
    const inflate = decompressor(compression, name);
    if (inflate) stages.push(inflate);
    if (options.diffId) stages.push(verifyDigestOnly(options.diffId, `${name} (uncompressed)`));
    const piped = (pipeline as (...s: unknown[]) => Promise<void>)(...stages, extract);
    piped.catch((error: unknown) => {
      failure ??= error;
      extract.destroy(error as Error);
    });

    let count = 0;
    let declaredBytes = 0;
    for await (const entry of extract) {
      const header = entry.header;
      count += 1;
      if (count > limits.maxLayerEntries) {
        throw new LimitExceededError(
          `${name}: layer has more than ${limits.maxLayerEntries} entries`,
        );
      }
      const rawPath = header.name;
      if (Buffer.byteLength(rawPath) > limits.maxPathBytes) {
        throw new LimitExceededError(
          `${name}: entry path longer than ${limits.maxPathBytes} bytes (${JSON.stringify(rawPath.slice(0, 120))}…)`,
        );
      }
      const size = header.size ?? 0;
      declaredBytes += size;
      if (size > limits.maxLayerBytes || declaredBytes > limits.maxLayerBytes) {
        throw new LimitExceededError(
          `${name}: entry ${JSON.stringify(rawPath)} (${size} bytes) takes the layer past the limit of ${limits.maxLayerBytes} bytes`,
        );
      }
      const path = normaliseEntryPath(rawPath);
      if (path === undefined || path === '') {
        if (path === undefined)
          warn(`${name}: skipped entry with unsafe path ${JSON.stringify(rawPath)}`);
        await skip(entry);
        continue;
      }
      const type = (header.type && entryTypes[header.type]) ?? 'other';
      let linkTarget: string | undefined;
      if (type === 'hardlink') {
        linkTarget = normaliseEntryPath(header.linkname ?? '');
        if (!linkTarget) {
          warn(
            `${name}: skipped hard link ${JSON.stringify(path)} to unsafe target ${JSON.stringify(header.linkname)}`,
          );
          await skip(entry);
          continue;
        }
      } else if (type === 'symlink') {
        linkTarget = header.linkname ?? '';
      }
      const layerEntry: LayerEntry = {
        path,
        type,
        mode: (header.mode ?? 0) & 0o7777,
        size: type === 'file' ? size : 0,
        ...(linkTarget !== undefined ? { linkTarget } : {}),
      };
      if (type === 'file') {
        const { content, drain } = contentOf(entry, name);
        Object.defineProperty(layerEntry, 'content', { get: content, enumerable: true });
        // Unwanted content is skipped inside tar-stream, without the Readable wrapper.
        layerEntry.discardContent = () => void drain();
        yield layerEntry;
        await drain();
      } else {
        yield layerEntry;
        await skip(entry);
      }
    }
    await piped.catch(() => undefined);
    if (failure !== undefined) throw archiveError(failure, name);
  } catch (error) {
    // Our own limit and integrity errors win over the premature close they cause downstream.
    throw archiveError(isMoatError(error) ? error : (failure ?? error), name);
  } finally {
    if (!extract.destroyed) extract.destroy();
    if (!blob.destroyed) blob.destroy();
  }
}

/** A pass-through that checks only a digest (for diff_ids, whose size nobody records). */
function verifyDigestOnly(digest: string, name: string) {
  return verifyBlob({ digest, size: Number.MAX_SAFE_INTEGER }, name, { sizeKnown: false });
}

/**
 * Opens a layer blob, verifies its digest and size while streaming, and yields its entries.
 * The media type is checked first (`UNSUPPORTED_MEDIA_TYPE`); a verification failure rejects
 * the iteration after the last entry.
 */
export async function* layerEntriesFromBlob(
  open: () => Promise<Readable>,
  descriptor: LayerDescriptor,
  options: ReadLayerOptions,
): AsyncGenerator<LayerEntry, void, undefined> {
  layerCompression(descriptor.mediaType);
  yield* readLayerEntries(await open(), { ...options, blob: descriptor });
}
