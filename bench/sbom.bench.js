#!/usr/bin/env node
// Benchmark of `moat sbom`: wall time as a ratio to only decompressing the same layers
// (`gzip -dc` of each layer to /dev/null), measured in the same run, and peak RSS, on the real
// Debian image and on a >500 MB multi-layer image built here. Run with `npm run bench`.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cache = process.env.MOAT_E2E_CACHE ?? join(tmpdir(), 'moat-e2e-cache');
const debianDir = join(cache, 'debian-bookworm-minbase');
const bigDir = join(cache, 'bench-big');
const runs = Number(process.env.BENCH_RUNS ?? 3);

execFileSync(join(root, 'test/fixtures/build-debian-image.sh'), [debianDir], { stdio: 'inherit' });
execFileSync(join(root, 'bench/build-big-image.sh'), [bigDir, debianDir], { stdio: 'inherit' });

/** Layer blob paths and sizes of the image tagged `tag` in an OCI layout. */
function layers(layout, tag) {
  const blob = (digest) => join(layout, 'blobs', ...digest.split(':'));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const desc = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  const manifest = JSON.parse(readFileSync(blob(desc.digest), 'utf8'));
  return manifest.layers.map((l) => ({ path: blob(l.digest), size: l.size }));
}

/** Wall seconds and peak RSS (KiB) of a command, via GNU time. */
function measure(command, args) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const [seconds, kib] = result.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { seconds, kib };
}

/** Uncompressed bytes of gzip blobs, from their trailers (`gzip -l`; layers are under 4 GiB). */
function uncompressedMb(blobs) {
  const out = execFileSync('gzip', ['-l', ...blobs.map((l) => l.path)], { encoding: 'utf8' });
  const total = out.trim().split('\n').at(-1).trim().split(/\s+/);
  return (
    Number(blobs.length > 1 ? total[1] : out.trim().split('\n')[1].trim().split(/\s+/)[1]) / 1e6
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function bench(name, layout, tag) {
  const blobs = layers(layout, tag);
  const mb = blobs.reduce((sum, l) => sum + l.size, 0) / 1e6;
  const rawMb = uncompressedMb(blobs);
  const baseline = [];
  const moat = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const script = blobs.map((l) => `gzip -dc '${l.path}' >/dev/null`).join(' && ');
    baseline.push(measure('sh', ['-c', script]).seconds);
    // Run as users run it, through the executable and its shebang (which tunes glibc's malloc).
    const run = measure(join(root, 'bin/moat.cjs'), [
      'sbom',
      `oci:${layout}:${tag}`,
      '--format',
      'json',
      '--output',
      '/dev/null',
      '--quiet',
      // Every run reads every layer: the layer cache would otherwise answer all but the first.
      '--no-cache',
    ]);
    moat.push(run.seconds);
    rss.push(run.kib);
  }
  const ratio = median(moat) / median(baseline);
  const peakMb = Math.max(...rss) / 1024;
  console.log(
    `${name}: ${blobs.length} layers, ${mb.toFixed(0)} MB compressed, ${rawMb.toFixed(0)} MB uncompressed | gzip -dc ${median(baseline).toFixed(2)} s | ` +
      `moat sbom ${median(moat).toFixed(2)} s | time ratio ${ratio.toFixed(2)} (target <= 1.30) | ` +
      `peak RSS ${peakMb.toFixed(0)} MB = ${(peakMb / 128).toFixed(2)} of the 128 MB budget`,
  );
}

bench('debian', join(debianDir, 'oci'), 'bookworm');
bench('big', join(bigDir, 'oci'), 'big');
