#!/usr/bin/env node
// Memory at the documented input limits (src/util/limits.ts): builds one OCI layout per hostile
// shape — a layer with as many entries as allowed, paths as long as allowed, a zstd layer that
// inflates to gigabytes, a dpkg status of huge continuation lines — and reports the peak RSS of
// `moat sbom` on each against the 512 MiB target. Run with `npm run build && node bench/limits.bench.js`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(process.env.MOAT_E2E_CACHE ?? join(tmpdir(), 'moat-e2e-cache'), 'bench-limits');
const targetMiB = 512;
const maxLayerEntries = 1_000_000;
const maxPathBytes = 4096;

/** One ustar header block; `size` in octal (callers stay under 8 GiB). */
function header(name, size, type = '0') {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 100), 0, 'utf8');
  const octal = (offset, length, value) =>
    block.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 0);
  block.write(type, 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return block;
}

const pad = (length) => Buffer.alloc((512 - (length % 512)) % 512);

/** Tar entries for one file, with a pax header when the path does not fit ustar's 100 bytes. */
function fileEntry(path, content = Buffer.alloc(0)) {
  const parts = [];
  if (Buffer.byteLength(path) > 100) {
    let record = ` path=${path}\n`;
    let length = Buffer.byteLength(record);
    length += String(length + String(length).length).length;
    record = `${length}${record}`;
    const body = Buffer.from(record);
    parts.push(header('pax', body.length, 'x'), body, pad(body.length));
  }
  parts.push(header(path, content.length), content, pad(content.length));
  return Buffer.concat(parts);
}

/** Writes a gzip layer blob from a generator of tar chunks; returns its descriptor. */
async function gzipLayer(dir, chunks) {
  const temp = join(dir, 'layer.tmp');
  const blob = createHash('sha256');
  const diff = createHash('sha256');
  let size = 0;
  await pipeline(
    async function* () {
      for (const chunk of chunks()) {
        diff.update(chunk);
        yield chunk;
      }
      const end = Buffer.alloc(1024);
      diff.update(end);
      yield end;
    },
    createGzip({ level: 1 }),
    async function* (source) {
      for await (const chunk of source) {
        blob.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(temp),
  );
  const digest = `sha256:${blob.digest('hex')}`;
  renameSync(temp, join(dir, 'blobs/sha256', digest.slice(7)));
  return {
    descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size },
    diffId: `sha256:${diff.digest('hex')}`,
  };
}

/** A zstd blob of one file of `size` zeros, made of RLE blocks (see test/fixtures/zstd-frames.ts). */
function zstdZerosLayer(dir, size) {
  const block = (last, type, n) => {
    const v = (last ? 1 : 0) | (type << 1) | (n << 3);
    return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
  };
  const tarHeader = header('srv/zeros.bin', size);
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])];
  parts.push(block(false, 0, 512), tarHeader);
  const diff = createHash('sha256').update(tarHeader);
  const zeros = Buffer.alloc(128 * 1024);
  for (let left = size + 1024; left > 0;) {
    const n = Math.min(left, 128 * 1024);
    left -= n;
    diff.update(zeros.subarray(0, n));
    parts.push(block(left === 0, 1, n), Buffer.from([0]));
  }
  const bytes = Buffer.concat(parts);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  writeFileSync(join(dir, 'blobs/sha256', digest.slice(7)), bytes);
  return {
    descriptor: {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
      digest,
      size: bytes.length,
    },
    diffId: `sha256:${diff.digest('hex')}`,
  };
}

/** Writes config, manifest and index around `layers` (tag `bench`). */
function finishLayout(dir, layers) {
  const put = (json, mediaType) => {
    const bytes = Buffer.from(JSON.stringify(json));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    writeFileSync(join(dir, 'blobs/sha256', digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const config = put(
    {
      os: 'linux',
      architecture: 'amd64',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    },
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = put(
    { schemaVersion: 2, config, layers: layers.map((l) => l.descriptor) },
    'application/vnd.oci.image.manifest.v1+json',
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }],
    }),
  );
}

const osRelease = () => fileEntry('etc/os-release', Buffer.from('ID=debian\nVERSION_ID="12"\n'));

const inputs = {
  /** One layer one entry short of maxLayerEntries, short paths, under a second layer of removals. */
  'max-entries': async (dir) => [
    await gzipLayer(dir, function* () {
      yield osRelease();
      for (let i = 0; i < maxLayerEntries - 2; i += 1) {
        yield fileEntry(`usr/share/d${(i >> 10).toString(36)}/file-${i.toString(36)}`);
      }
    }),
  ],
  /** 100,000 entries whose paths are all just under maxPathBytes. */
  'max-path-bytes': async (dir) => [
    await gzipLayer(dir, function* () {
      yield osRelease();
      const stem = `opt/${'p'.repeat(maxPathBytes - 40)}`;
      for (let i = 0; i < 100_000; i += 1) yield fileEntry(`${stem}/f${i}`);
    }),
  ],
  /** A zstd layer inflating to 4 GiB. */
  'zstd-4GiB': async (dir) => [
    await gzipLayer(dir, function* () {
      yield osRelease();
    }),
    zstdZerosLayer(dir, 4 * 1024 ** 3),
  ],
  /** A 30 MB dpkg status (under maxBufferedFileBytes) of one package with huge continuations. */
  'dpkg-continuations': async (dir) => [
    await gzipLayer(dir, function* () {
      yield osRelease();
      const line = ` ${'x'.repeat(1024 * 1024 - 2)}\n`;
      const status = Buffer.from(
        `Package: big\nStatus: install ok installed\nVersion: 1.0\nDescription: big\n${line.repeat(30)}\n`,
      );
      yield fileEntry('var/lib/dpkg/status', status);
    }),
  ],
};

/** Peak RSS (KiB) and exit code of `moat sbom` on `layout`, via GNU time. */
function measure(layout) {
  const cacheDir = join(work, 'moat-cache');
  rmSync(cacheDir, { recursive: true, force: true });
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', join(root, 'bin/moat.cjs'), 'sbom', `oci:${layout}:bench`, '--format', 'json'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MOAT_CACHE_DIR: cacheDir },
    },
  );
  const lines = result.stderr.trim().split('\n');
  return { kib: Number(lines.at(-1)), code: result.status, said: lines.slice(0, -1).join(' | ') };
}

const only = process.argv.slice(2);
for (const [name, build] of Object.entries(inputs)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const dir = join(work, name);
  if (!existsSync(join(dir, '.complete'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
    finishLayout(dir, await build(dir));
    writeFileSync(join(dir, '.complete'), '');
  }
  const { kib, code, said } = measure(dir);
  const mib = kib / 1024;
  console.log(
    `${name}: exit ${code} | peak RSS ${mib.toFixed(0)} MiB = ${(mib / targetMiB).toFixed(2)} of the ${targetMiB} MiB target${said ? ` | ${said.slice(0, 200)}` : ''}`,
  );
}
