#!/usr/bin/env node
// Benchmark of the vulnerability database: import 100,000 generated OSV records from an
// osv.dev-style all.zip (target <= 30 s; the database size is reported), then 2,000
// `advisoriesFor` lookups against that database (target <= 200 ms). Runs against dist/:
// `npm run build && node bench/vulndb-import.bench.js` (BENCH_RECORDS changes the count, MOAT_DIST
// points at another build, BENCH_KEEP=1 keeps the generated zip and database).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { random } from './lib/random.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = process.env.MOAT_DIST ?? join(root, 'dist');
const { importOsv, openVulnDb } = await import(pathToFileURL(join(dist, 'vulndb/index.js')).href);

const recordCount = Number(process.env.BENCH_RECORDS ?? 100_000);
const lookupCount = 2_000;
const ecosystems = [
  'Debian:12',
  'Alpine:v3.20',
  'Ubuntu:22.04:LTS',
  'npm',
  'PyPI',
  'Go',
  'Maven',
  'crates.io',
];
const packagesPerEcosystem = 4_000;

function packageName(ecosystem, n) {
  if (ecosystem === 'Maven') return `org.example.group${n % 97}:artifact-${n}`;
  if (ecosystem === 'Go') return `github.com/example${n % 89}/module-${n}`;
  return `package-${n}`;
}

/** One OSV record of the size and shape osv.dev serves (one or two affected packages). */
function record(i, next) {
  const affected = [];
  for (let k = next() < 0.2 ? 2 : 1; k > 0; k--) {
    const ecosystem = ecosystems[Math.floor(next() * ecosystems.length)];
    const name = packageName(ecosystem, Math.floor(next() * packagesPerEcosystem));
    affected.push({
      package: { ecosystem, name },
      ranges: [
        {
          type: 'ECOSYSTEM',
          events: [{ introduced: '0' }, { fixed: `${1 + (i % 9)}.${i % 13}.${i % 7}` }],
        },
      ],
      versions: Array.from({ length: Math.floor(next() * 6) }, (_, v) => `1.${v}.0`),
      database_specific: { source: `https://example.org/advisories/BENCH-${i}.json` },
    });
  }
  return {
    schema_version: '1.6.0',
    id: `BENCH-${String(i).padStart(6, '0')}`,
    modified: '2024-05-01T12:00:00Z',
    published: '2024-04-01T12:00:00Z',
    aliases: [`CVE-2024-${100000 + i}`],
    summary: `Generated vulnerability ${i} in ${affected[0].package.name}`,
    details: `A flaw was found in ${affected[0].package.name}. `.repeat(6 + (i % 10)),
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected,
    references: [{ type: 'ADVISORY', url: `https://example.org/advisories/BENCH-${i}` }],
  };
}

/** A zip of stored entries, as osv.dev's all.zip holds one JSON file per record. */
function buildZip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  // More than 65,535 entries need the ZIP64 end records, as osv.dev's larger zips have.
  const zip64 = Buffer.alloc(56 + 20);
  zip64.writeUInt32LE(0x06064b50, 0);
  zip64.writeBigUInt64LE(44n, 4);
  zip64.writeUInt16LE(45, 12);
  zip64.writeUInt16LE(45, 14);
  zip64.writeBigUInt64LE(BigInt(entries.length), 24);
  zip64.writeBigUInt64LE(BigInt(entries.length), 32);
  zip64.writeBigUInt64LE(BigInt(directory.length), 40);
  zip64.writeBigUInt64LE(BigInt(offset), 48);
  zip64.writeUInt32LE(0x07064b50, 56);
  zip64.writeBigUInt64LE(BigInt(offset + directory.length), 64);
  zip64.writeUInt32LE(1, 72);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, zip64, end]);
}

const work = mkdtempSync(join(tmpdir(), 'moat-vulndb-bench-'));
try {
  const next = random(42);
  const entries = [];
  for (let i = 0; i < recordCount; i++) {
    const r = record(i, next);
    entries.push({ name: `${r.id}.json`, data: Buffer.from(JSON.stringify(r, null, 2)) });
  }
  const zipPath = join(work, 'all.zip');
  writeFileSync(zipPath, buildZip(entries));
  const zipMb = statSync(zipPath).size / 1e6;
  const dbPath = join(work, 'db', 'moat-vuln.db');

  let start = process.hrtime.bigint();
  const summary = await importOsv(dbPath, [zipPath]);
  const importSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (summary.inserted !== recordCount)
    throw new Error(`imported ${summary.inserted} of ${recordCount}`);
  const dbMb = statSync(dbPath).size / 1e6;

  const db = openVulnDb(dbPath);
  const queries = Array.from({ length: lookupCount }, (_, i) => {
    const ecosystem = ecosystems[i % ecosystems.length];
    return [ecosystem, packageName(ecosystem, Math.floor(next() * packagesPerEcosystem * 1.25))];
  });
  db.advisoriesFor(queries[0][0], queries[0][1]); // statement preparation is not a lookup
  start = process.hrtime.bigint();
  let found = 0;
  for (const [ecosystem, name] of queries) found += db.advisoriesFor(ecosystem, name).length;
  const lookupMs = Number(process.hrtime.bigint() - start) / 1e6;
  db.close();

  console.log(
    `import: ${recordCount} records (zip ${zipMb.toFixed(0)} MB) in ${importSeconds.toFixed(2)} s = ` +
      `${(importSeconds / 30).toFixed(2)} of the 30 s target | database ${dbMb.toFixed(1)} MB ` +
      `(${(dbMb / zipMb).toFixed(2)} of the zip)`,
  );
  console.log(
    `lookups: ${lookupCount} advisoriesFor calls returning ${found} records in ${lookupMs.toFixed(1)} ms = ` +
      `${(lookupMs / 200).toFixed(2)} of the 200 ms target`,
  );
} finally {
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(work);
}
