/**
 * Feeds one file from the layer walker to the analyzers that want it: held in memory for buffer
 * analyzers, spooled to the private temp directory for analyzers that need random access. The
 * content is captured while the walk waits; the analysis itself runs afterwards, concurrently with
 * the rest of the walk, under a small cap so memory stays bounded.
 */
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { LayerPosition, Visit, VisitedFile } from '../image/walker.js';
import { drain } from '../util/streams.js';
import { NeedleScan } from '../util/needle-scan.js';
import { Semaphore } from '../util/semaphore.js';
import type {
  AnalysisResult,
  Analyzer,
  AnalyzerContext,
  BufferAnalyzer,
  FileInfo,
  SpoolAnalyzer,
} from './types.js';

/** Most analyses in flight at once (each may hold one buffered file). */
const maxConcurrentAnalyses = 4;
/** Files for spool analyzers up to this size are read into memory before any disk write. */
const maxHeldBytes = 4 * 1024 * 1024;

/** Captures files for analyzers and tracks every analysis started. */
export class FileCapture {
  private readonly slots = new Semaphore(maxConcurrentAnalyses);
  private readonly started: Promise<unknown>[] = [];
  private spoolCounter = 0;

  constructor(
    private readonly analyzers: readonly Analyzer[],
    private readonly ctx: AnalyzerContext,
  ) {}

  /** The walker's visitor: `undefined` when no analyzer wants the file. */
  visit = (
    file: VisitedFile,
    _layer: LayerPosition,
  ): Promise<Visit<AnalysisResult[]>> | undefined => {
    const info: FileInfo = { path: file.path, size: file.size, mode: file.mode };
    const wanted = this.analyzers.filter((analyzer) => analyzer.wants(info));
    if (wanted.length === 0) return undefined;
    return this.capture(file, info, wanted);
  };

  /** Waits for every analysis started, including those whose file a later layer replaced. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.started);
  }

  private async capture(
    file: VisitedFile,
    info: FileInfo,
    wanted: Analyzer[],
  ): Promise<Visit<AnalysisResult[]>> {
    await this.slots.acquire();
    let release = true;
    try {
      const iterator = (file.content as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const head = await readHead(iterator, 8);
      const spoolers = wanted.filter(
        (a): a is SpoolAnalyzer => a.input === 'spool' && matchesMagic(a, head.bytes),
      );
      const buffers = wanted.filter(
        (a): a is BufferAnalyzer =>
          a.input === 'buffer' &&
          info.size <= (a.maxFileBytes ?? this.ctx.limits.maxBufferedFileBytes),
      );
      if (buffers.length < wanted.filter((a) => a.input === 'buffer').length) {
        this.ctx.warn(`skipped /${info.path}: ${info.size} bytes is over the in-memory limit`);
      }
      let run: () => Promise<AnalysisResult[]>;
      if (spoolers.length > 0) {
        if (info.size > this.ctx.limits.maxSpooledFileBytes) {
          this.ctx.warn(`skipped /${info.path}: ${info.size} bytes is over the spool limit`);
          run = () => Promise.resolve([]);
          await drainIterator(iterator, file.content);
        } else {
          const scan = new NeedleScan(spoolers.flatMap((a) => a.requires ?? []));
          // Small files are held in memory until it is known whether any analyzer can use them:
          // most executables hold nothing for us and then never touch the disk.
          const held = info.size <= maxHeldBytes;
          const spoolPath = held ? undefined : await this.spool(head.chunks, iterator, scan);
          const heldChunks = held ? await collectScanning(head.chunks, iterator, scan) : [];
          const able = spoolers.filter(
            (a) => a.requires === undefined || a.requires.some((n) => scan.found.has(n)),
          );
          if (able.length === 0 && buffers.length === 0 && spoolPath === undefined) {
            run = () => Promise.resolve([]);
          } else {
            const path = spoolPath ?? (await this.spoolHeld(heldChunks));
            run = () => this.runSpooled(info, path, able, buffers);
          }
        }
      } else if (buffers.length > 0) {
        const content = Buffer.concat([...head.chunks, ...(await collect(iterator))]);
        run = () =>
          this.runAll(
            buffers.map((a) => () => a.analyze({ ...info, content }, this.ctx)),
            info,
          );
      } else {
        await drainIterator(iterator, file.content);
        run = () => Promise.resolve([]);
      }
      release = false;
      const result = run().finally(() => this.slots.release());
      this.started.push(result);
      return { result };
    } finally {
      if (release) this.slots.release();
    }
  }

  private async spool(
    head: Buffer[],
    iterator: AsyncIterator<Buffer>,
    scan: NeedleScan,
  ): Promise<string> {
    const path = join(await this.ctx.tempDir(), `spool-${this.spoolCounter++}`);
    // A pipeline, so that a write error (a full disk) rejects here instead of being an
    // unhandled 'error' event, and the file is written only as fast as the disk takes it.
    await pipeline(
      async function* () {
        for (const chunk of head) {
          scan.push(chunk);
          yield chunk;
        }
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          scan.push(next.value);
          yield next.value;
        }
      },
      createWriteStream(path, { flags: 'wx', mode: 0o600 }),
    );
    return path;
  }

  private async spoolHeld(chunks: Buffer[]): Promise<string> {
    const path = join(await this.ctx.tempDir(), `spool-${this.spoolCounter++}`);
    await writeFile(path, chunks, { flag: 'wx', mode: 0o600 });
    return path;
  }

  private async runSpooled(
    info: FileInfo,
    spoolPath: string,
    spoolers: SpoolAnalyzer[],
    buffers: BufferAnalyzer[],
  ): Promise<AnalysisResult[]> {
    try {
      const tasks = spoolers.map((a) => () => a.analyze({ ...info, spoolPath }, this.ctx));
      if (buffers.length > 0) {
        const content = await readFile(spoolPath);
        for (const a of buffers) tasks.push(() => a.analyze({ ...info, content }, this.ctx));
      }
      return await this.runAll(tasks, info);
    } finally {
      await rm(spoolPath, { force: true });
    }
  }

  /** Runs analyzers one after another; a failing analyzer becomes a warning naming the file. */
  private async runAll(
    tasks: Array<() => Promise<AnalysisResult>>,
    info: FileInfo,
  ): Promise<AnalysisResult[]> {
    const results: AnalysisResult[] = [];
    for (const task of tasks) {
      try {
        results.push(await task());
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.ctx.warn(`skipped /${info.path}: ${reason}`);
      }
    }
    return results;
  }
}

function matchesMagic(analyzer: SpoolAnalyzer, head: Buffer): boolean {
  return (
    analyzer.magic === undefined ||
    analyzer.magic.some((magic) => head.subarray(0, magic.length).equals(magic))
  );
}

/** Reads chunks until at least `bytes` bytes (or the end) are in hand. */
async function readHead(
  iterator: AsyncIterator<Buffer>,
  bytes: number,
): Promise<{ chunks: Buffer[]; bytes: Buffer }> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.length;
  }
  return { chunks, bytes: Buffer.concat(chunks).subarray(0, bytes) };
}

/** Reads the rest of a file into memory, looking for needles on the way. */
async function collectScanning(
  head: Buffer[],
  iterator: AsyncIterator<Buffer>,
  scan: NeedleScan,
): Promise<Buffer[]> {
  const chunks = [...head, ...(await collect(iterator))];
  for (const chunk of chunks) scan.push(chunk);
  return chunks;
}

async function collect(iterator: AsyncIterator<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    chunks.push(next.value);
  }
  return chunks;
}

async function drainIterator(iterator: AsyncIterator<Buffer>, stream: Readable): Promise<void> {
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    // discard
  }
  if (!stream.readableEnded) await drain(stream);
}
