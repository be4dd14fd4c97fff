#!/usr/bin/env node
// Benchmark of `moat policy check` against `moat scan` of the same image (issue 13's target:
// policy check <= 1.1x scan), offline, on an image built here (no network):
// - an OCI layout with a Debian 12 dpkg database of 400 packages, 1,500 npm packages, 300 PyPI
//   packages and 40 MB of incompressible files in four layers, and OSV records for a quarter of
//   the packages (fixed, unfixed, every severity) plus BENCH_RECORDS unrelated ones, imported
//   with `moat db import`;
// - two policies: the example (maxSeverity, allowedRegistries, nonRoot and a CEL label
//   check; its requireSignatures rule needs a registry, left to bench/gate.bench.js) — the target
//   applies to it — and a heavy one with every other check and three CEL expressions that walk
//   every package or vulnerability, reported beside it;
// - BENCH_RUNS (default 3) alternating rounds of `moat scan` and `moat policy check` with each
//   policy, all with `--no-cache` (every layer read every run) and JSON to /dev/null; printed:
//   medians of the wall time and of the CPU time (user + system, from /usr/bin/time), the ratios
//   of the medians (target <= 1.10 for the example policy) and of the fastest runs, and the
//   absolute differences.
// Runs against the built CLI: `npm run build && node bench/policy.bench.js` (BENCH_KEEP=1 keeps
// the work directory).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { median, moat } from './lib/moat-cli.js';
import { writeJsonBlob, writeLayer } from './lib/oci-layout.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const unrelatedCount = Number(process.env.BENCH_RECORDS ?? 5_000);
const target = 1.1;
const work = mkdtempSync(join(tmpdir(), 'moat-policy-bench-'));

const counts = { deb: 400, npm: 1500, pypi: 300 };
const version = (i) => `${1 + (i % 7)}.${i % 11}.${i % 5}`;

/** The image: OS packages, language packages, and bulk files any real image carries. */
async function buildImage(layout) {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const status = [];
  for (let i = 0; i < counts.deb; i++) {
    status.push(
      [
        `Package: deb-package-${i}`,
        'Status: install ok installed',
        'Priority: optional',
        'Section: libs',
        'Installed-Size: 100',
        'Maintainer: Bench <bench@example.org>',
        'Architecture: amd64',
        `Source: deb-source-${i}`,
        `Version: ${version(i)}-1`,
        `Description: package ${i}`,
      ].join('\n'),
    );
  }
  const osLayer = [
    { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' },
    { name: 'var/lib/dpkg/status', content: `${status.join('\n\n')}\n` },
  ];
  const npmLayer = [];
  for (let i = 0; i < counts.npm; i++) {
    npmLayer.push({
      name: `app/node_modules/npm-package-${i}/package.json`,
      content: JSON.stringify({ name: `npm-package-${i}`, version: version(i), license: 'MIT' }),
    });
  }
  const pypiLayer = [];
  for (let i = 0; i < counts.pypi; i++) {
    pypiLayer.push({
      name: `usr/lib/python3/site-packages/pypi_package_${i}-${version(i)}.dist-info/METADATA`,
      content: `Metadata-Version: 2.1\nName: pypi-package-${i}\nVersion: ${version(i)}\nLicense: MIT\n`,
    });
  }
  const bulkLayer = [];
  for (let i = 0; i < 40; i++)
    bulkLayer.push({ name: `usr/share/bulk/file-${i}.bin`, content: randomBytes(1 << 20) });
  const layers = [];
  for (const [i, files] of [osLayer, npmLayer, pypiLayer, bulkLayer].entries()) {
    layers.push(
      await writeLayer(layout, String(i), async (pack) => {
        for (const file of files) {
          await new Promise((resolve, reject) =>
            pack.entry({ name: file.name, mtime: new Date(0) }, file.content, (e) =>
              e ? reject(e) : resolve(),
            ),
          );
        }
      }),
    );
  }
  const config = await writeJsonBlob(layout, 'application/vnd.oci.image.config.v1+json', {
    architecture: 'amd64',
    os: 'linux',
    created: '2026-11-01T00:00:00Z',
    config: {
      User: 'app',
      Labels: { team: 'bench', 'org.opencontainers.image.source': 'https://example.org/bench' },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  });
  const manifest = await writeJsonBlob(layout, 'application/vnd.oci.image.manifest.v1+json', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config,
    layers: layers.map((l) => l.descriptor),
  });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }],
    }),
  );
}

const vectors = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L',
  'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N',
];

/** A version after `version` that every ecosystem here reads: the last number plus one. */
function fixedAfter(version) {
  return version.replace(/(\d+)([^\d]*)$/, (_, n, rest) => `${Number(n) + 1}${rest}`);
}

/** One advisory for every fourth package of each ecosystem, half of them fixed; then unrelated ones. */
function records() {
  const all = [];
  const add = (id, ecosystem, name, events, i) =>
    all.push({
      schema_version: '1.6.0',
      id,
      modified: '2025-01-01T00:00:00Z',
      aliases: [`CVE-2099-${String(10000 + all.length)}`],
      summary: `Generated advisory for ${name}`,
      details: `A flaw was found in ${name}. `.repeat(6),
      severity: [{ type: 'CVSS_V3', score: vectors[i % vectors.length] }],
      affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }],
      references: [{ type: 'ADVISORY', url: `https://example.org/bench/${id}` }],
    });
  const ecosystems = [
    ['deb', 'Debian:12', (i) => `deb-source-${i}`, (i) => `${version(i)}-1`],
    ['npm', 'npm', (i) => `npm-package-${i}`, version],
    ['pypi', 'PyPI', (i) => `pypi-package-${i}`, version],
  ];
  for (const [type, ecosystem, name, installed] of ecosystems) {
    for (let i = 0; i < counts[type]; i += 4) {
      const events =
        (i / 4) % 2 === 0
          ? [{ introduced: '0' }, { fixed: fixedAfter(installed(i)) }]
          : [{ introduced: '0' }];
      add(`BENCH-${type.toUpperCase()}-${i}`, ecosystem, name(i), events, i / 4);
    }
  }
  for (let i = 0; i < unrelatedCount; i++) {
    add(
      `BENCH-UNRELATED-${i}`,
      ['npm', 'PyPI', 'Debian:12'][i % 3],
      `unrelated-${i}`,
      [{ introduced: '0' }, { fixed: '9.9.9' }],
      i,
    );
  }
  return all;
}

// The example policy, without its requireSignatures rule (a local target has no
// signatures; bench/gate.bench.js measures signatures against a registry): the target applies here.
const examplePolicy = `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: production}
spec:
  rules:
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
    - name: known-registries
      allowedRegistries: [registry.example.com, "127.0.0.1:5000"]
    - name: non-root
      nonRoot: true
    - name: team-label
      expression: 'has(image.labels.team)'
      message: every image names its team
      enforcementAction: warn
`;

// Every other check, and three CEL expressions that each walk all packages or vulnerabilities:
// the heavy end of what policies do, reported beside the target.
const heavyPolicy = `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: heavy}
spec:
  rules:
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
    - name: known-registries
      allowedRegistries: [registry.example.com, "*.corp.example"]
    - name: non-root
      nonRoot: true
    - name: labels
      requiredLabels: {team: "[a-z]+", org.opencontainers.image.source: "https://.*"}
    - name: recent
      maxAge: 3650d
    - name: no-telnet
      forbiddenPackages: [{name: telnetd, type: deb}, {name: event-stream, versions: ["3.3.6"]}]
    - name: no-cvss-10
      expression: '!scan.vulnerabilities.exists(v, v.cvssScore >= 10.0)'
    - name: no-debug-packages
      expression: 'scan.packages.all(p, !p.name.endsWith("-dbg"))'
      enforcementAction: warn
    - name: few-unfixed
      expression: 'scan.vulnerabilities.filter(v, size(v.fixedVersions) == 0).size() < 1000'
`;

/**
 * Runs the CLI under /usr/bin/time: wall seconds, and the CPU seconds (user + system) of the
 * process, which a shared machine disturbs less than the wall time.
 */
function moatRun(args, cacheDir, accept = [0]) {
  const env = { ...process.env, MOAT_CACHE_DIR: cacheDir, XDG_CACHE_HOME: join(cacheDir, 'xdg') };
  const timing = join(work, 'time.txt');
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-o', timing, '-f', '%U %S', moat, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 ** 2,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (!accept.includes(result.status)) {
    throw new Error(`moat ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  const [user, system] = readFileSync(timing, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { seconds, cpu: user + system, stdout: result.stdout, status: result.status };
}

try {
  const layout = join(work, 'layout');
  await buildImage(layout);
  const image = `oci:${layout}:bench`;
  const osv = join(work, 'osv');
  mkdirSync(osv);
  const all = records();
  for (let start = 0; start < all.length; start += 250) {
    writeFileSync(join(osv, `batch-${start}.json`), JSON.stringify(all.slice(start, start + 250)));
  }
  const cache = join(work, 'cache');
  moatRun(['db', 'import', osv, '--cache-dir', cache, '--quiet'], cache);
  const policies = { example: examplePolicy, heavy: heavyPolicy };
  const paths = {};
  for (const [name, text] of Object.entries(policies)) {
    paths[name] = join(work, `${name}.yaml`);
    writeFileSync(paths[name], text);
  }

  const common = ['--offline', '--cache-dir', cache, '--no-cache', '--quiet', '--format', 'json'];
  const scanArgs = ['scan', image, ...common, '--output', '/dev/null'];
  const checkArgs = (name) => ['policy', 'check', image, '--policy', paths[name], ...common];
  // What they see: the scan's findings, and each decision (exit 3: denied by allowedRegistries).
  const report = JSON.parse(moatRun(['scan', image, ...common], cache).stdout);
  console.log(
    `image: ${counts.deb} deb + ${counts.npm} npm + ${counts.pypi} PyPI packages, 40 MB of files; ` +
      `${report.vulnerabilities.length} findings; database ${all.length} records`,
  );
  for (const name of Object.keys(policies)) {
    const decision = JSON.parse(moatRun(checkArgs(name), cache, [3]).stdout);
    console.log(
      `policy ${name}: ${decision.allowed ? 'allowed' : 'denied'}; ` +
        decision.results.map((r) => `${r.rule}=${r.outcome}`).join(' '),
    );
  }

  const times = { scan: [], example: [], heavy: [] };
  for (let run = 0; run < runs; run++) {
    // Alternating, so that a busy moment on a shared machine weighs on each.
    times.scan.push(moatRun(scanArgs, cache));
    for (const name of Object.keys(policies)) {
      times[name].push(moatRun([...checkArgs(name), '--output', '/dev/null'], cache, [3]));
    }
  }
  for (const [label, list] of Object.entries(times)) {
    for (const key of ['seconds', 'cpu']) {
      console.log(
        `${label.padEnd(8)} ${key === 'cpu' ? 'CPU ' : 'wall'}: ${list.map((r) => r[key].toFixed(3)).join(' ')} s, ` +
          `median ${median(list.map((r) => r[key])).toFixed(3)} s`,
      );
    }
  }
  for (const name of Object.keys(policies)) {
    for (const key of ['seconds', 'cpu']) {
      const scan = median(times.scan.map((r) => r[key]));
      const check = median(times[name].map((r) => r[key]));
      const ratio = check / scan;
      // The fastest run of each is the least disturbed by the other processes of a shared machine.
      const fastest =
        Math.min(...times[name].map((r) => r[key])) / Math.min(...times.scan.map((r) => r[key]));
      const verdict =
        name === 'example' ? ` (target <= ${target}) ${ratio <= target ? 'met' : 'NOT MET'}` : '';
      console.log(
        `policy check (${name}) / scan, ${key === 'cpu' ? 'CPU' : 'wall'}: medians ${ratio.toFixed(3)}${verdict}, ` +
          `fastest runs ${fastest.toFixed(3)}; difference of medians ${((check - scan) * 1000).toFixed(0)} ms`,
      );
    }
  }
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
