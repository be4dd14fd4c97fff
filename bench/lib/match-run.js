// One process of bench/match.bench.js: opens the database, reads the inventory, and times
// BENCH_RUNS matches of it, the first in this fresh process. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, dbPath, inventoryPath, runsText] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const { openVulnDb } = await load('vulndb/index.js');
const { matchInventory } = await load('match/index.js');

const inventory = JSON.parse(readFileSync(inventoryPath, 'utf8'));
const db = openVulnDb(dbPath);
const wall = [];
const cpu = [];
let result;
for (let run = 0; run < Number(runsText); run++) {
  const start = process.hrtime.bigint();
  const used = process.cpuUsage();
  result = matchInventory(inventory, db, { now: new Date('2026-01-01T00:00:00Z') });
  wall.push(Number(process.hrtime.bigint() - start) / 1e6);
  const { user, system } = process.cpuUsage(used);
  cpu.push((user + system) / 1e3);
}
db.close();
const fixed = result.findings.filter((f) => f.status === 'fixed').length;
console.log(
  JSON.stringify({
    wall,
    cpu,
    findings: result.findings.length,
    fixed,
    warnings: result.warnings.length,
  }),
);
