#!/usr/bin/env node
// Benchmark of report rendering: `--format table` against `--format json` for the same inventory
// of N packages (default 40 000), as the ratio table ÷ json of CPU time (steadier than wall time on
// a shared machine), median of a few runs, plus the same for a scan table with one finding per
// package. Run after `npm run build`:
// `node bench/render.bench.js [packages]`.
import { renderJson } from '../dist/report/json.js';
import { renderTable } from '../dist/report/table.js';
import { renderScanJson } from '../dist/report/vulnerabilities-json.js';
import { renderScanTable } from '../dist/report/vulnerabilities-table.js';
import { random } from './lib/random.js';

const count = Number(process.argv[2] ?? 40_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const next = random(9);
const word = (length) =>
  Array.from({ length }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
const layer = `sha256:${'ab'.repeat(32)}`;

const packages = Array.from({ length: count }, (_, i) => {
  const name = `${word(3 + Math.floor(next() * 20))}-${i}`;
  const version = `${Math.floor(next() * 20)}.${Math.floor(next() * 100)}.${i % 7}`;
  return {
    name,
    version,
    type: 'npm',
    purl: `pkg:npm/${name}@${version}`,
    licenses: ['MIT'],
    layerDigest: layer,
    path: `/app/node_modules/${name}/package.json`,
  };
});
const inventory = {
  target: 'oci-archive:bench.tar',
  artifact: {
    kind: 'container_image',
    name: 'bench',
    transport: 'oci-archive',
    repoTags: [],
    layers: [{ digest: layer, size: 1, mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
    labels: {},
  },
  packages,
  warnings: [],
  createdAt: '2026-01-01T00:00:00.000Z',
};
const findings = packages.map((p, i) => ({
  id: `CVE-2024-${10000 + i}`,
  aliases: [],
  purl: p.purl,
  packageName: p.name,
  installedVersion: p.version,
  fixedVersions: [`${p.version}-fix`],
  status: 'fixed',
  statusSource: 'osv:npm',
  cvss: [],
  path: p.path,
  severity: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'][i % 4],
  title: `A ${word(8)} flaw in ${p.name} lets a remote attacker ${word(12)} the ${word(6)}`,
  references: [],
  layerDigest: layer,
  dataSource: 'bench',
}));

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function seconds(render) {
  return median(
    Array.from({ length: runs }, () => {
      const start = process.cpuUsage();
      render();
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1e6;
    }),
  );
}

const sbomJson = seconds(() => renderJson(inventory));
const sbomTable = seconds(() => renderTable(inventory));
const scanJson = seconds(() => renderScanJson({ inventory, findings }));
const scanTable = seconds(() => renderScanTable({ inventory, findings }));
console.log(`${count} packages, CPU seconds, median of ${runs} runs`);
console.log(
  `sbom: json ${sbomJson.toFixed(2)} s, table ${sbomTable.toFixed(2)} s, ratio ${(sbomTable / sbomJson).toFixed(1)}`,
);
console.log(
  `scan: json ${scanJson.toFixed(2)} s, table ${scanTable.toFixed(2)} s, ratio ${(scanTable / scanJson).toFixed(1)}`,
);
