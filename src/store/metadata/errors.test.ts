import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { StoreError } from '../../errors.js';
import { loadSqlite } from '../../util/sqlite.js';
import { translateDatabaseError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'moat-meta-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('translateDatabaseError', () => {
  it('makes a full SQLite database STORE_FULL', () => {
    const db = loadSqlite()(join(dir, 'full.db'), {});
    try {
      db.exec('create table t (v blob)');
      // The file may not grow past its current pages: the next large row has no room.
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      const error = thrownBy(() =>
        db.prepare('insert into t values (?)').run(Buffer.alloc(100_000)),
      );
      const translated = translateDatabaseError(error);
      expect(translated).toBeInstanceOf(StoreError);
      expect(translated).toMatchObject({ code: 'STORE_FULL', cause: error });
    } finally {
      db.close();
    }
  });

  it('makes PostgreSQL disk-full and connection failures STORE_FULL and STORE_UNAVAILABLE', () => {
    const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
    expect(translateDatabaseError(pgError('53100'))).toMatchObject({ code: 'STORE_FULL' });
    for (const code of ['ECONNREFUSED', '08006', '57P01', '53300']) {
      expect(translateDatabaseError(pgError(code))).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }
    expect(translateDatabaseError(new Error('Connection terminated unexpectedly'))).toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });

  it('passes other errors through unchanged', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(translateDatabaseError(unique)).toBe(unique);
    const plain = new Error('bug');
    expect(translateDatabaseError(plain)).toBe(plain);
  });
});
