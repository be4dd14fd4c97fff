import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadMasterKeys, masterKeyId, prependMasterKey } from './master-key.js';

let dir: string;
let warnings: string[];
const warn = (message: string) => warnings.push(message);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moat-master-key-'));
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'no error';
};

describe('master key sources', () => {
  it('prefers the environment, then the configured file, then <dataDir>/master.key', () => {
    const env = randomBytes(32);
    const file = join(dir, 'keys');
    const fileKey = randomBytes(32);
    writeFileSync(file, `${fileKey.toString('hex')}\n`, { mode: 0o600 });
    const options = { masterKey: env.toString('hex'), masterKeyFile: file, dataDir: dir };
    expect(loadMasterKeys(options, warn).keys[0]?.id).toBe(masterKeyId(env));
    const { masterKey: _, ...withoutEnv } = options;
    expect(loadMasterKeys(withoutEnv, warn).keys[0]?.id).toBe(masterKeyId(fileKey));
    expect(loadMasterKeys({ dataDir: dir }, warn).source).toEqual({
      kind: 'file',
      path: join(dir, 'master.key'),
    });
  });

  it('reads several keys, comments and blank lines; hex, base64 and base64url', () => {
    const keys = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const file = join(dir, 'keys');
    writeFileSync(
      file,
      `# current\n${keys[0]?.toString('base64')}\n\n${keys[1]?.toString('hex')}  # old\n${keys[2]?.toString('base64url')}\n`,
      { mode: 0o600 },
    );
    const loaded = loadMasterKeys({ masterKeyFile: file }, warn);
    expect(loaded.keys.map((key) => key.id)).toEqual(keys.map((key) => masterKeyId(key)));
    const env = loadMasterKeys(
      { masterKey: `${keys[1]?.toString('hex')}, ${keys[0]?.toString('hex')}` },
      warn,
    );
    expect(env.keys.map((key) => key.id)).toEqual([
      masterKeyId(keys[1] as Buffer),
      masterKeyId(keys[0] as Buffer),
    ]);
  });

  it('refuses malformed keys naming the source and the key number, never the key', () => {
    const file = join(dir, 'keys');
    const good = randomBytes(32).toString('hex');
    const bad = `${randomBytes(31).toString('hex')}zz`;
    writeFileSync(file, `${good}\n${bad}\n`, { mode: 0o600 });
    const message = messageOf(() => loadMasterKeys({ masterKeyFile: file }, warn));
    expect(message).toContain('MASTER_KEY_INVALID');
    expect(message).toContain(`${file}, key 2`);
    expect(message).not.toContain(bad);
    expect(message).not.toContain(good);
    writeFileSync(file, '# nothing\n');
    expect(messageOf(() => loadMasterKeys({ masterKeyFile: file }, warn))).toContain(
      'holds no key',
    );
    writeFileSync(
      file,
      Array.from({ length: 17 }, () => randomBytes(32).toString('hex')).join('\n'),
    );
    expect(messageOf(() => loadMasterKeys({ masterKeyFile: file }, warn))).toContain(
      'more than 16',
    );
    writeFileSync(file, 'x'.repeat(64 * 1024 + 1));
    expect(messageOf(() => loadMasterKeys({ masterKeyFile: file }, warn))).toContain('larger than');
  });

  it('refuses a configured key file that does not exist instead of creating it', () => {
    const file = join(dir, 'missing.key');
    expect(messageOf(() => loadMasterKeys({ masterKeyFile: file }, warn))).toContain(
      'cannot read the master key file',
    );
    expect(() => statSync(file)).toThrow();
  });

  it('warns when others than the owner may read the key file', () => {
    loadMasterKeys({ dataDir: dir }, warn);
    expect(warnings).toEqual([]);
    chmodSync(join(dir, 'master.key'), 0o644);
    loadMasterKeys({ dataDir: dir }, warn);
    expect(warnings.join('\n')).toContain('chmod 600');
  });

  it('creates the default key once, even when several processes start together', () => {
    const ids = Array.from({ length: 5 }, () => loadMasterKeys({ dataDir: dir }, warn).keys[0]?.id);
    expect(new Set(ids).size).toBe(1);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
  });

  it('prepends a new current key and keeps the old ones', () => {
    const first = loadMasterKeys({ dataDir: dir }, warn).keys[0]?.id;
    const path = join(dir, 'master.key');
    const newId = prependMasterKey(path);
    const keys = loadMasterKeys({ dataDir: dir }, warn).keys.map((key) => key.id);
    expect(keys).toEqual([newId, first]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').match(/^# Moat master key/gm)).toHaveLength(1);
  });
});
