#!/usr/bin/env node
// Benchmark of `moat serve` against Debian's docker-registry (CNCF Distribution 2.8), both on
// 127.0.0.1 with storage on the same disk, as ratios moat / Distribution measured in the same run:
// (a) skopeo push then pull of a > 500 MB multi-layer image of random layers (paired runs, fresh
//     registries each run), with moat's peak RSS (VmHWM) during it;
// (b) 50 concurrent pulls of a ~50 MB image over HTTP (every blob fetched and its digest checked;
//     moat's clients each fetch a token first), throughput;
// (c) manifest GET by tag under wrk (50 connections, 10 s, twice: a fresh process's first load,
//     then the steady state): req/s and p99. moat is asked with a Bearer token; Distribution
//     runs without authentication, which favours it.
// Run with `npm run build && node bench/registry.bench.js`. Sends traffic only to 127.0.0.1.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { registryBenchImage } from './lib/registry-image.js';
import { moatToken, peakRssMb, startDistribution, startMoat } from './lib/registries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/moat.cjs');
const cache = process.env.MOAT_E2E_CACHE ?? join(tmpdir(), 'moat-e2e-cache');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const pulls = Number(process.env.BENCH_PULLS ?? 50);
const password = 'bench-admin-Secret-1';
const manifestType = 'application/vnd.oci.image.manifest.v1+json';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 2) => n.toFixed(digits);

/** Runs skopeo with a 15-minute limit; returns wall seconds. */
function skopeo(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync('skopeo', args, { encoding: 'utf8', timeout: 900_000 });
  if (result.status !== 0) throw new Error(`skopeo ${args.join(' ')}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Pushes then pulls `layout:tag` through `registry`; wall seconds of each. */
async function roundTrip(registry, layout, tag, work, authFile) {
  const auth = ['--authfile', authFile];
  const ref = `docker://${registry.host}/bench/${tag}:1`;
  const push = skopeo([
    'copy',
    '--quiet',
    ...auth,
    '--dest-tls-verify=false',
    `oci:${layout}:${tag}`,
    ref,
  ]);
  const out = await mkdtemp(join(work, 'pull-'));
  const pull = skopeo([
    'copy',
    '--quiet',
    ...auth,
    '--src-tls-verify=false',
    ref,
    `oci:${out}:${tag}`,
  ]);
  await rm(out, { recursive: true, force: true });
  return { push, pull, total: push + pull };
}

function login(registry, authFile) {
  skopeo([
    'login',
    '--authfile',
    authFile,
    '--tls-verify=false',
    '-u',
    'admin',
    '-p',
    registry.token,
    registry.host,
  ]);
}

/** One pull over HTTP: (token), manifest, then every blob streamed and hashed. Bytes read. */
async function httpPull(registry, tag, needsToken) {
  const headers = { accept: manifestType };
  if (needsToken)
    headers.authorization = `Bearer ${await moatToken(registry.host, 'repository:bench/' + tag + ':pull', registry.token)}`;
  const base = `http://${registry.host}/v2/bench/${tag}`;
  const manifestResponse = await fetch(`${base}/manifests/1`, { headers });
  if (manifestResponse.status !== 200)
    throw new Error(`${registry.name}: manifest ${manifestResponse.status}`);
  const manifest = await manifestResponse.json();
  let bytes = 0;
  for (const blob of [manifest.config, ...manifest.layers]) {
    const response = await fetch(`${base}/blobs/${blob.digest}`, { headers });
    if (response.status !== 200) throw new Error(`${registry.name}: blob ${response.status}`);
    const hash = createHash('sha256');
    for await (const chunk of response.body) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    if (`sha256:${hash.digest('hex')}` !== blob.digest)
      throw new Error(`${registry.name}: digest mismatch`);
  }
  return bytes;
}

/** `pulls` concurrent HTTP pulls; MB/s. */
async function concurrentPulls(registry, tag, needsToken) {
  const started = process.hrtime.bigint();
  const results = await Promise.allSettled(
    Array.from({ length: pulls }, () => httpPull(registry, tag, needsToken)),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0)
    throw new Error(
      `${registry.name}: ${failed.length} of ${pulls} pulls failed: ${failed[0].reason}`,
    );
  const bytes = results.reduce((sum, r) => sum + r.value, 0);
  return bytes / 1e6 / seconds;
}

/** Parses wrk's "99%  1.23ms" into ms. */
function latencyMs(text, percentile) {
  const match = new RegExp(`\\s${percentile}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
  const scale = { us: 0.001, ms: 1, s: 1000 }[match[2]];
  return Number(match[1]) * scale;
}

/** wrk, 50 connections for 10 s, on a manifest GET by tag. */
function wrk(registry, tag, token) {
  const args = ['-t2', '-c50', '-d10s', '--latency', '-H', `Accept: ${manifestType}`];
  if (token) args.push('-H', `Authorization: Bearer ${token}`);
  args.push(`http://${registry.host}/v2/bench/${tag}/manifests/1`);
  const result = spawnSync('wrk', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`wrk: ${result.stderr}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(result.stdout);
  if (non2xx) throw new Error(`${registry.name}: ${non2xx[1]} non-2xx answers under wrk`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(result.stdout)[1]),
    p99: latencyMs(result.stdout, 99),
  };
}

async function main() {
  const layout = await registryBenchImage(cache);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  const bigMb = await (async () => {
    const desc = index.manifests.find(
      (m) => m.annotations['org.opencontainers.image.ref.name'] === 'big',
    );
    const manifest = JSON.parse(
      await readFile(join(layout, 'blobs', ...desc.digest.split(':')), 'utf8'),
    );
    return manifest.layers.reduce((sum, l) => sum + l.size, 0) / 1e6;
  })();
  const work = await mkdtemp(join(tmpdir(), 'moat-bench-registry-'));
  const started = [];
  const start = async (make) => {
    const registry = await make();
    started.push(registry);
    return registry;
  };
  try {
    // (a) paired round trips, the order alternating between runs.
    const ratios = [];
    const rss = [];
    for (let run = 0; run < runs; run++) {
      const moat = await start(() => startMoat(bin, work, password));
      const distribution = await start(() => startDistribution(work));
      const authFile = join(work, `auth-${run}.json`);
      login(moat, authFile);
      const order = run % 2 === 0 ? [moat, distribution] : [distribution, moat];
      const times = {};
      for (const registry of order)
        times[registry.name] = await roundTrip(registry, layout, 'big', work, authFile);
      rss.push(peakRssMb(moat.pid));
      ratios.push(times.moat.total / times.distribution.total);
      console.log(
        `run ${run + 1}: moat push ${fmt(times.moat.push)} s + pull ${fmt(times.moat.pull)} s; distribution push ${fmt(times.distribution.push)} s + pull ${fmt(times.distribution.pull)} s; ratio ${fmt(ratios.at(-1))}; moat peak RSS ${fmt(rss.at(-1), 0)} MB`,
      );
      for (const registry of [moat, distribution]) await registry.stop();
      started.length = 0;
    }
    console.log(
      `(a) skopeo push+pull of ${fmt(bigMb, 0)} MB (7 layers): moat / distribution round trip median ${fmt(median(ratios))} (range ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}, target <= 1.0); moat peak RSS max ${fmt(Math.max(...rss), 0)} MB (${fmt(Math.max(...rss) / 200)} of 200 MB)`,
    );

    // (b) and (c) on one pair of registries holding the medium image.
    const moat = await start(() => startMoat(bin, work, password));
    const distribution = await start(() => startDistribution(work));
    const authFile = join(work, 'auth-bc.json');
    login(moat, authFile);
    for (const registry of [moat, distribution])
      skopeo([
        'copy',
        '--quiet',
        '--authfile',
        authFile,
        '--dest-tls-verify=false',
        `oci:${layout}:medium`,
        `docker://${registry.host}/bench/medium:1`,
      ]);
    const throughput = { moat: [], distribution: [] };
    for (let round = 0; round < 2; round++) {
      for (const registry of round % 2 === 0 ? [moat, distribution] : [distribution, moat])
        throughput[registry.name].push(
          await concurrentPulls(registry, 'medium', registry === moat),
        );
    }
    const tm = median(throughput.moat);
    const td = median(throughput.distribution);
    console.log(
      `(b) ${pulls} concurrent HTTP pulls of a 48 MB image, all succeeded: moat ${fmt(tm, 0)} MB/s, distribution ${fmt(td, 0)} MB/s, ratio ${fmt(tm / td)}`,
    );
    const token = await moatToken(moat.host, 'repository:bench/medium:pull', moat.token);
    // Two wrk runs back to back on each registry: the first 10 s of load on a fresh process
    // (moat's route code is still being compiled by V8 then; Distribution is compiled Go), then
    // the next 10 s. Both are printed; the second is the steady state.
    for (const phase of ['first', 'next']) {
      const wm = wrk(moat, 'medium', token);
      const wd = wrk(distribution, 'medium');
      console.log(
        `(c) manifest GET by tag, wrk 50 connections, ${phase} 10 s: moat ${fmt(wm.rps, 0)} req/s p99 ${fmt(wm.p99)} ms (Bearer token), distribution ${fmt(wd.rps, 0)} req/s p99 ${fmt(wd.p99)} ms (no auth); req/s ratio ${fmt(wm.rps / wd.rps)} (goal >= 1.5), p99 ratio ${fmt(wm.p99 / wd.p99)} (goal <= 0.5)`,
      );
    }
    console.log(`moat peak RSS after (b) and (c): ${fmt(peakRssMb(moat.pid), 0)} MB`);
  } finally {
    for (const registry of started) await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
