import { execFileSync } from 'node:child_process';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { json, osvRecord, tempDir } from './__fixtures__/osv.js';
import { exportBundle, importBundle } from './bundle.js';
import { openVulnDb } from './database.js';
import { importOsv } from './import.js';
import { generateBundleKeyPair } from './keys.js';
import { SCHEMA_VERSION } from './schema.js';

let dir: string;
let cleanup: () => Promise<void>;
const keys = generateBundleKeyPair();
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

/** Builds a database holding `ids` (npm package `pkg`) at `path`. */
async function databaseWith(path: string, ids: string[]): Promise<void> {
  const file = join(dir, `records-${ids.join('-')}.json`);
  await writeFile(file, json(ids.map((id) => osvRecord(id, 'npm', 'pkg'))));
  await importOsv(path, [file]);
}

function idsIn(path: string): string[] {
  const db = openVulnDb(path);
  try {
    return db.advisoriesFor('npm', 'pkg').map((record) => record.id);
  } finally {
    db.close();
  }
}

/** A bundle of a database with NEW-1 and NEW-2, and a target database holding OLD-1. */
async function setup(): Promise<{ bundle: string; target: string }> {
  const source = join(dir, 'source.db');
  await databaseWith(source, ['NEW-1', 'NEW-2']);
  const bundle = join(dir, 'out', 'moat-db.bundle');
  await exportBundle(source, bundle, keys.privateKeyPem);
  const target = join(dir, 'cache', 'db', 'moat-vuln.db');
  await databaseWith(target, ['OLD-1']);
  return { bundle, target };
}

describe('database bundles', () => {
  it('round-trips a database through a signed bundle', async () => {
    const { bundle, target } = await setup();
    const header = await importBundle(bundle, keys.publicKeyPem, target);
    expect(header.schemaVersion).toBe(SCHEMA_VERSION);
    expect(idsIn(target)).toEqual(['NEW-1', 'NEW-2']);
    const db = openVulnDb(target);
    expect(db.status().origin).toBe('bundle');
    db.close();
  });

  it('refuses a bundle with one payload byte changed and keeps the current database', async () => {
    const { bundle, target } = await setup();
    const bytes = await readFile(bundle);
    const at = bytes.length - 100;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await writeFile(bundle, bytes);
    await expect(importBundle(bundle, keys.publicKeyPem, target)).rejects.toMatchObject({
      code: 'BUNDLE_INVALID',
    });
    expect(idsIn(target)).toEqual(['OLD-1']);
  });

  it('refuses a truncated bundle and keeps the current database', async () => {
    const { bundle, target } = await setup();
    await truncate(bundle, (await stat(bundle)).size - 10);
    await expect(importBundle(bundle, keys.publicKeyPem, target)).rejects.toMatchObject({
      code: 'BUNDLE_INVALID',
    });
    expect(idsIn(target)).toEqual(['OLD-1']);
  });

  it('refuses a bundle signed by another key and keeps the current database', async () => {
    const { bundle, target } = await setup();
    const other = generateBundleKeyPair();
    await expect(importBundle(bundle, other.publicKeyPem, target)).rejects.toMatchObject({
      code: 'BUNDLE_SIGNATURE_INVALID',
    });
    expect(idsIn(target)).toEqual(['OLD-1']);
  });

  it('refuses a bundle whose signed header was edited', async () => {
    const { bundle, target } = await setup();
    const bytes = await readFile(bundle);
    const at = bytes.indexOf(`"schemaVersion":${SCHEMA_VERSION}`);
    bytes.write(`"schemaVersion":${SCHEMA_VERSION + 1}`, at);
    await writeFile(bundle, bytes);
    await expect(importBundle(bundle, keys.publicKeyPem, target)).rejects.toMatchObject({
      code: 'BUNDLE_SIGNATURE_INVALID',
    });
    expect(idsIn(target)).toEqual(['OLD-1']);
  });

  it('refuses a file that is not a bundle', async () => {
    const { target } = await setup();
    const path = join(dir, 'not-a-bundle');
    await writeFile(path, 'hello');
    await expect(importBundle(path, keys.publicKeyPem, target)).rejects.toMatchObject({
      code: 'BUNDLE_INVALID',
    });
  });

  it('refuses a FIFO or a device in place of a bundle without reading it', async () => {
    const { target } = await setup();
    const fifo = join(dir, 'fifo.bundle');
    execFileSync('mkfifo', [fifo]);
    for (const path of [fifo, '/dev/zero']) {
      await expect(importBundle(path, keys.publicKeyPem, target)).rejects.toMatchObject({
        code: 'BUNDLE_INVALID',
        message: `${path}: not a regular file`,
      });
    }
    expect(idsIn(target)).toEqual(['OLD-1']);
  });

  it('refuses a key that is not ECDSA P-256', async () => {
    const { bundle, target } = await setup();
    await expect(importBundle(bundle, 'not a key', target)).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
  });
});
