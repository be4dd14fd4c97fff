#!/usr/bin/env node
// Benchmark of `moat scan` on the real Debian image (OCI layout) and on the multi-layer image of
// bench/sbom.bench.js (BENCH_IMAGES=debian or =big picks one), offline:
// - a vulnerability database is built first with `moat db import` from OSV records written here
//   for the image's real source packages (one advisory each: fixed, unfixed, `last_affected`, or
//   introduced after the installed version) plus BENCH_RECORDS unrelated records (default 5,000);
// - every run uses fresh cache directories (database copied in), and times `moat sbom`, a first
//   `moat scan --offline --cache-dir DIR` and two rescans of the same image with the same DIR;
// - printed: medians of BENCH_RUNS runs (default 3), `scan / sbom` and `rescan / first scan`
//   (target <= 0.10), what the rescan found in the cache directory besides the database, and
//   the start-up of a bare `node -e 0` timed beside each rescan: the floor of any rescan.
// Runs against the built CLI: `npm run build && node bench/scan.bench.js` (BENCH_KEEP=1 keeps
// the work directory). No network: the image is built once by test/fixtures/build-debian-image.sh
// into $MOAT_E2E_CACHE (default: the temp directory's moat-e2e-cache), as bench/sbom.bench.js does.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const moat = join(root, 'bin/moat.cjs');
const cache = process.env.MOAT_E2E_CACHE ?? join(tmpdir(), 'moat-e2e-cache');
const debianDir = join(cache, 'debian-bookworm-minbase');
const bigDir = join(cache, 'bench-big');
const images = (process.env.BENCH_IMAGES ?? 'debian,big').split(',');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const unrelatedCount = Number(process.env.BENCH_RECORDS ?? 5_000);
const rescanTarget = 0.1;

execFileSync(join(root, 'test/fixtures/build-debian-image.sh'), [debianDir], { stdio: 'inherit' });
if (images.includes('big'))
  execFileSync(join(root, 'bench/build-big-image.sh'), [bigDir, debianDir], { stdio: 'inherit' });

const work = mkdtempSync(join(tmpdir(), 'moat-scan-bench-'));

// Node reads and parses every certificate of NODE_EXTRA_CA_CERTS when it starts, before any of
// Moat's code: with a system bundle that is ~400 million instructions, several times a bare
// start-up, and it is the environment's cost, not Moat's (an offline scan opens no TLS
// connection). It is left out of the runs, and said so, unless BENCH_KEEP_EXTRA_CA=1.
const childEnv = { ...process.env };
if (childEnv.NODE_EXTRA_CA_CERTS !== undefined && !process.env.BENCH_KEEP_EXTRA_CA) {
  console.log(
    `NODE_EXTRA_CA_CERTS (${childEnv.NODE_EXTRA_CA_CERTS}) unset for the runs; BENCH_KEEP_EXTRA_CA=1 keeps it`,
  );
  delete childEnv.NODE_EXTRA_CA_CERTS;
}

/**
 * Runs the CLI with every cache location pointed into `cacheDir`, so no run sees the user's cache
 * or another run's. Returns wall seconds and stdout.
 */
function moatRun(args, cacheDir) {
  const env = { ...childEnv, MOAT_CACHE_DIR: cacheDir, XDG_CACHE_HOME: join(cacheDir, 'xdg') };
  const start = process.hrtime.bigint();
  // Run as users run it, through the executable and its shebang (which tunes glibc's malloc).
  const result = spawnSync(moat, args, {
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 ** 2,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(`moat ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return { seconds, stdout: result.stdout };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Files under `dir` (relative paths) with their total size; none when it does not exist. */
function filesUnder(dir) {
  const files = [];
  let bytes = 0;
  if (!existsSync(dir)) return { files, bytes };
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        files.push(relative(dir, full));
        bytes += statSync(full).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

const vector = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // 9.8 CRITICAL
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', // 7.5 HIGH
  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L', // 5.3 MEDIUM
  'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N', // 1.8 LOW
];

/**
 * One advisory per source package of the image, keyed by source name as Debian's data is, in
 * four kinds: fixed after the installed version (a `fixed` finding), no fix (`affected`),
 * `last_affected` = the installed version (`affected`), introduced after it (no finding).
 */
function sourceAdvisories(packages) {
  const sources = new Map();
  for (const p of packages) {
    if (p.type !== 'deb') continue;
    const name = p.source?.name ?? p.name;
    const version = p.source?.version ?? p.version;
    const entry = sources.get(name) ?? { version, binaries: 0 };
    entry.binaries++;
    sources.set(name, entry);
  }
  const records = [];
  const expected = { findings: 0, fixed: 0, affected: 0 };
  [...sources.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .forEach(([name, { version, binaries }], i) => {
      const kind = i % 4;
      const events =
        kind === 0
          ? [{ introduced: '0' }, { fixed: `${version}+bench1` }]
          : kind === 1
            ? [{ introduced: '0' }]
            : kind === 2
              ? [{ introduced: '0' }, { last_affected: version }]
              : [{ introduced: `${version}+bench1` }];
      if (kind !== 3) {
        expected.findings += binaries;
        expected[kind === 0 ? 'fixed' : 'affected'] += binaries;
      }
      records.push({
        schema_version: '1.6.0',
        id: `DEBIAN-BENCH-${String(i).padStart(4, '0')}`,
        modified: '2025-01-01T00:00:00Z',
        published: '2024-12-01T00:00:00Z',
        aliases: [`CVE-2099-${String(10000 + i)}`],
        summary: `Generated advisory for ${name}`,
        details: `A flaw was found in ${name}. `.repeat(8),
        severity: [{ type: 'CVSS_V3', score: vector[i % vector.length] }],
        affected: [
          {
            package: { ecosystem: 'Debian:12', name },
            ranges: [{ type: 'ECOSYSTEM', events }],
            ecosystem_specific: { urgency: 'medium' },
          },
        ],
        references: [{ type: 'ADVISORY', url: `https://example.org/bench/${name}` }],
      });
    });
  return { records, expected, sources: sources.size };
}

/** Records that never match the image: other names, another Debian release, other ecosystems. */
function unrelatedAdvisories(count, sourceNames) {
  const ecosystems = ['Debian:12', 'Debian:11', 'Alpine:v3.20', 'npm', 'PyPI', 'Go', 'crates.io'];
  const records = [];
  for (let i = 0; i < count; i++) {
    const ecosystem = ecosystems[i % ecosystems.length];
    // Debian:11 records name the image's real packages: the release must keep them out.
    const name =
      ecosystem === 'Debian:11'
        ? sourceNames[i % sourceNames.length]
        : ecosystem === 'Go'
          ? `github.com/example${i % 89}/module-${i}`
          : `unrelated-${i}`;
    records.push({
      schema_version: '1.6.0',
      id: `BENCH-${String(i).padStart(6, '0')}`,
      modified: '2025-01-01T00:00:00Z',
      aliases: [`CVE-2098-${String(100000 + i)}`],
      summary: `Generated vulnerability ${i}`,
      details: `A flaw was found in ${name}. `.repeat(4 + (i % 6)),
      severity: [{ type: 'CVSS_V3', score: vector[i % vector.length] }],
      affected: [
        {
          package: { ecosystem, name },
          ranges: [
            {
              type: 'ECOSYSTEM',
              events: [{ introduced: '0' }, { fixed: `${1 + (i % 9)}.${i % 13}.${i % 7}` }],
            },
          ],
        },
      ],
      references: [{ type: 'ADVISORY', url: `https://example.org/bench/BENCH-${i}` }],
    });
  }
  return records;
}

/** Times sbom, first scan and rescan of `target`; `label` names it in the output. */
function benchImage(label, target) {
  const dir = join(work, label);
  mkdirSync(dir);
  const log = (line) => console.log(`${label}: ${line}`);
  // The image's packages, as Moat reads them.
  const inventory = JSON.parse(
    moatRun(['sbom', target, '--format', 'json', '--quiet'], join(dir, 'sbom-cache')).stdout,
  );
  const { records, expected, sources } = sourceAdvisories(inventory.packages);
  const sourceNames = records.map((r) => r.affected[0].package.name);
  const all = [...records, ...unrelatedAdvisories(unrelatedCount, sourceNames)];

  // Directories of `.json` files (each an array of records), as `moat db import DIR` reads them.
  const osvDir = join(dir, 'osv');
  mkdirSync(osvDir);
  const perFile = 250;
  for (let start = 0; start < all.length; start += perFile) {
    const batch = all.slice(start, start + perFile);
    writeFileSync(
      join(osvDir, `batch-${String(start).padStart(6, '0')}.json`),
      JSON.stringify(batch),
    );
  }
  const dbCache = join(dir, 'db-cache');
  const imported = moatRun(['db', 'import', osvDir, '--cache-dir', dbCache, '--quiet'], dbCache);
  const dbBytes = statSync(join(dbCache, 'db', 'moat-vuln.db')).size;
  log(
    `database: ${all.length} records (${records.length} for the image's ${sources} source packages, ` +
      `${all.length - records.length} unrelated) imported in ${imported.seconds.toFixed(2)} s, ` +
      `${(dbBytes / 1e6).toFixed(1)} MB | ${imported.stdout.trim()}`,
  );

  const sbomTimes = [];
  const firstTimes = [];
  const rescanTimes = [];
  const againTimes = [];
  const nodeTimes = [];
  let layers = { files: [], bytes: 0 };
  let code = { files: [], bytes: 0 };
  for (let run = 0; run < runs; run++) {
    const runDir = join(dir, `run-${run}`);
    const scanCache = join(runDir, 'scan-cache');
    cpSync(join(dbCache, 'db'), join(scanCache, 'db'), { recursive: true });
    sbomTimes.push(
      moatRun(
        ['sbom', target, '--format', 'json', '--output', '/dev/null', '--quiet'],
        join(runDir, 'sbom-cache'),
      ).seconds,
    );
    const scanArgs = ['scan', target, '--offline', '--cache-dir', scanCache, '--quiet'];
    // Both scans write the same report to a file, so they do the same work apart from caching.
    const report = join(runDir, 'report.json');
    firstTimes.push(
      moatRun([...scanArgs, '--format', 'json', '--output', report], scanCache).seconds,
    );
    if (run === 0) {
      // The scan must find exactly what the records say, or the timings mean nothing.
      const found = JSON.parse(readFileSync(report, 'utf8')).vulnerabilities;
      const fixed = found.filter((v) => v.status === 'fixed').length;
      const summary = `${found.length} findings (${fixed} fixed)`;
      const wanted = `${expected.findings} findings (${expected.fixed} fixed)`;
      if (summary !== wanted) throw new Error(`scan found ${summary}, expected ${wanted}`);
      log(
        `image: ${inventory.packages.length} packages, ${inventory.artifact.layers.length} layer(s) | scan: ${summary}, as expected`,
      );
    }
    rescanTimes.push(
      moatRun([...scanArgs, '--format', 'json', '--output', report], scanCache).seconds,
    );
    // The first rescan still compiles what the first scan never ran (replaying cached layers);
    // the code cache is complete from the second on.
    againTimes.push(
      moatRun([...scanArgs, '--format', 'json', '--output', report], scanCache).seconds,
    );
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, ['-e', '0'], { env: childEnv });
    nodeTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
    layers = filesUnder(join(scanCache, 'layers'));
    code = filesUnder(join(scanCache, 'code'));
    rmSync(runDir, { recursive: true, force: true });
  }

  const sbom = median(sbomTimes);
  const first = median(firstTimes);
  const rescan = median(rescanTimes);
  const again = median(againTimes);
  // Milliseconds for the short runs: at 0.1 s, two decimals of a second hide the ratio's third.
  const list = (values) => values.map((v) => v.toFixed(2)).join(', ');
  const msList = (values) => values.map((v) => (v * 1000).toFixed(0)).join(', ');
  log(
    `median of ${runs} run(s): moat sbom ${sbom.toFixed(2)} s [${list(sbomTimes)}] | ` +
      `first moat scan ${first.toFixed(2)} s [${list(firstTimes)}] | ` +
      `rescan ${(rescan * 1000).toFixed(0)} ms [${msList(rescanTimes)}] | ` +
      `second rescan ${(again * 1000).toFixed(0)} ms [${msList(againTimes)}]`,
  );
  log(`scan / sbom: ${(first / sbom).toFixed(2)}`);
  const size = ({ files, bytes }) => `${files.length} file(s), ${(bytes / 1e6).toFixed(1)} MB`;
  log(
    `rescan / first scan: ${(rescan / first).toFixed(3)} (target <= ${rescanTarget.toFixed(2)}) | ` +
      `second rescan / first scan: ${(again / first).toFixed(3)} | ` +
      `layer cache ${size(layers)}, code cache ${size(code)}`,
  );
  const bare = median(nodeTimes);
  log(
    `bare node start-up ${(bare * 1000).toFixed(0)} ms [${msList(nodeTimes)}] = ${(bare / first).toFixed(3)} of ` +
      `the first scan (the floor of the rescan ratio)`,
  );
}

try {
  if (images.includes('debian')) benchImage('debian', `oci:${join(debianDir, 'oci')}:bookworm`);
  if (images.includes('big')) benchImage('big', `oci:${join(bigDir, 'oci')}:big`);
} finally {
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(work);
}
