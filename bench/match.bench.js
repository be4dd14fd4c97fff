#!/usr/bin/env node
// Benchmark of matching: 100,000 generated OSV records imported with the vulndb import API, an
// inventory of 2,000 generated packages (Debian binaries sharing source packages, as in real
// images, plus npm, PyPI, Go, Maven and crates.io), then `matchInventory` timed (target <= 200 ms;
// the ratio to the target is printed). A scan matches once, in a fresh process: each of
// BENCH_PROCESSES processes (default 7) opens the database and times its first match, then
// BENCH_RUNS - 1 more (default 5 in all). They run twice: started as the `moat` executable starts
// Node (its shebang's environment and Node options, bench/lib/cli-node.js), and as plain `node`.
// Printed: medians over the processes of the first match and of the later ones. Runs against
// dist/: `npm run build && node bench/match.bench.js` (BENCH_RECORDS changes the record count).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliNode } from './lib/cli-node.js';
import { random } from './lib/random.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = process.env.MOAT_DIST ?? join(root, 'dist');
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const { importOsv } = await load('vulndb/index.js');

const recordCount = Number(process.env.BENCH_RECORDS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const processes = Number(process.env.BENCH_PROCESSES ?? 7);
const packageCount = 2_000;
const namesPerEcosystem = 4_000;
const targetMs = 200;

const ecosystems = [
  { osv: 'Debian:12', type: 'deb' },
  { osv: 'npm', type: 'npm' },
  { osv: 'PyPI', type: 'pypi' },
  { osv: 'Go', type: 'golang' },
  { osv: 'Maven', type: 'maven' },
  { osv: 'crates.io', type: 'cargo' },
];

function osvName(ecosystem, n) {
  if (ecosystem === 'Maven') return `org.example.group${n % 97}:artifact-${n}`;
  if (ecosystem === 'Go') return `github.com/example${n % 89}/module-${n}`;
  return `package-${n}`;
}

function version(ecosystem, a, b, c) {
  return ecosystem.startsWith('Debian') ? `${a}.${b}.${c}-1` : `${a}.${b}.${c}`;
}

/** One record: one or two packages, ranges with fixed or last_affected, CVE aliases that collide. */
function record(i, next) {
  const affected = [];
  for (let k = next() < 0.2 ? 2 : 1; k > 0; k--) {
    const { osv } = ecosystems[Math.floor(next() * ecosystems.length)];
    const name = osvName(osv, Math.floor(next() * namesPerEcosystem));
    const closing =
      next() < 0.15
        ? { last_affected: version(osv, 1, i % 13, i % 7) }
        : { fixed: version(osv, 1 + (i % 9), i % 13, i % 7) };
    affected.push({
      package: { ecosystem: osv, name },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, closing] }],
      versions: Array.from({ length: Math.floor(next() * 6) }, (_, v) => version(osv, 1, v, 0)),
      ...(osv.startsWith('Debian') ? { ecosystem_specific: { urgency: 'medium' } } : {}),
    });
  }
  return {
    schema_version: '1.6.0',
    id: `BENCH-${String(i).padStart(6, '0')}`,
    modified: '2024-05-01T12:00:00Z',
    // Every tenth record shares its CVE with the one before, so merging has work to do.
    aliases: [`CVE-2024-${100000 + (i % 10 === 9 ? i - 1 : i)}`],
    summary: `Generated vulnerability ${i}`,
    details: `A flaw was found in ${affected[0].package.name}. `.repeat(4),
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected,
    references: [{ type: 'ADVISORY', url: `https://example.org/advisories/BENCH-${i}` }],
  };
}

/** 2,000 packages: half Debian binaries (four per source package), half language packages. */
function inventory(next) {
  const packages = [];
  for (let i = 0; i < packageCount; i++) {
    const n = Math.floor(next() * namesPerEcosystem);
    const v = `${1 + Math.floor(next() * 9)}.${Math.floor(next() * 13)}.${Math.floor(next() * 7)}`;
    if (i < packageCount / 2) {
      const source = osvName('Debian:12', Math.floor(i / 4) * 7);
      packages.push({
        type: 'deb',
        name: `${source}-bin${i % 4}`,
        version: `${v}-1`,
        source: { name: source, version: `${v}-1` },
        purl: `pkg:deb/debian/${source}-bin${i % 4}@${v}-1`,
        licenses: [],
        path: '/var/lib/dpkg/status',
        layerDigest: 'sha256:0',
      });
      continue;
    }
    const { osv, type } = ecosystems[1 + (i % (ecosystems.length - 1))];
    const full = osvName(osv, n);
    const [namespace, name] = osv === 'Maven' ? full.split(':') : [undefined, full];
    packages.push({
      type,
      name,
      ...(namespace ? { namespace } : {}),
      version: type === 'golang' ? `v${v}` : v,
      purl: `pkg:${type}/${full}@${v}`,
      licenses: [],
      path: `/app/${type}`,
      layerDigest: 'sha256:1',
    });
  }
  return {
    target: 'bench',
    artifact: {
      kind: 'container_image',
      name: 'bench',
      transport: 'oci',
      repoTags: [],
      os: { family: 'debian', version: '12' },
      layers: [],
      labels: {},
    },
    packages,
    warnings: [],
    createdAt: '2024-05-01T12:00:00Z',
  };
}

const work = mkdtempSync(join(tmpdir(), 'moat-match-bench-'));
try {
  const next = random(7);
  const dir = join(work, 'osv');
  mkdirSync(dir);
  const perFile = 1_000;
  for (let start = 0; start < recordCount; start += perFile) {
    const batch = [];
    for (let i = start; i < Math.min(recordCount, start + perFile); i++)
      batch.push(record(i, next));
    writeFileSync(join(dir, `batch-${start}.json`), JSON.stringify(batch));
  }
  const dbPath = join(work, 'moat-vuln.db');
  const summary = await importOsv(dbPath, [dir], { limits: { maxRecordBytes: 64 * 1024 ** 2 } });
  if (summary.inserted !== recordCount)
    throw new Error(`imported ${summary.inserted} of ${recordCount}`);

  const inventoryPath = join(work, 'inventory.json');
  writeFileSync(inventoryPath, JSON.stringify(inventory(next)));

  const cli = cliNode(join(root, 'bin/moat.cjs'));
  const setups = [
    { name: `as moat starts Node (${[...Object.keys(cli.env), ...cli.args].join(' ')})`, ...cli },
    { name: 'plain node', env: {}, args: [] },
  ];
  for (const setup of setups) {
    const firsts = [];
    const firstCpu = [];
    const later = [];
    let last;
    for (let p = 0; p < processes; p++) {
      const child = spawnSync(
        process.execPath,
        [
          ...setup.args,
          join(root, 'bench/lib/match-run.js'),
          dist,
          dbPath,
          inventoryPath,
          String(runs),
        ],
        { env: { ...process.env, ...setup.env }, encoding: 'utf8' },
      );
      if (child.status !== 0) throw new Error(`match run failed: ${child.stderr}`);
      last = JSON.parse(child.stdout);
      firsts.push(last.wall[0]);
      firstCpu.push(last.cpu[0]);
      later.push(...last.wall.slice(1));
    }
    const first = median(firsts);
    const warm = median(later);
    console.log(
      `match, ${setup.name}: ${packageCount} packages against ${recordCount} records -> ` +
        `${last.findings} findings (${last.fixed} fixed), ${last.warnings} warnings | first match in a ` +
        `fresh process ${first.toFixed(1)} ms = ${(first / targetMs).toFixed(2)} of the ${targetMs} ms ` +
        `target (CPU ${median(firstCpu).toFixed(1)} ms; ${Math.min(...firsts).toFixed(0)}-` +
        `${Math.max(...firsts).toFixed(0)} ms over ${processes} processes) | later matches ` +
        `${warm.toFixed(1)} ms = ${(warm / targetMs).toFixed(2)} of the target`,
    );
  }
} finally {
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(work);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
