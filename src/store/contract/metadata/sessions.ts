/** Contract: upload sessions and their expiry; server-wide settings; migrations run twice. */
import { describe, expect, it } from 'vitest';

import { freshStorePerTest, type OpenMetadataStore } from './fixtures.js';

/** Upload sessions, settings (put-if-absent from concurrent callers), idempotent migrations. */
export function sessionAndSettingContract(open: OpenMetadataStore): void {
  describe('upload sessions', () => {
    const meta = freshStorePerTest(open);

    it('creates, reads and deletes a session once', async () => {
      const session = {
        id: 'c0ffee-1',
        repository: 'team/app',
        createdAt: new Date(1_700_000_000_001),
        updatedAt: new Date(1_700_000_000_002),
      };
      await meta().createUpload(session);
      expect(await meta().getUpload(session.id)).toEqual(session);
      expect(await meta().getUpload('unknown')).toBeUndefined();
      expect(await meta().deleteUpload(session.id)).toBe(true);
      expect(await meta().deleteUpload(session.id)).toBe(false);
      expect(await meta().getUpload(session.id)).toBeUndefined();
    });

    it('lists sessions not updated since a date, and a touch takes a session off the list', async () => {
      const old = new Date(1_000_000);
      await meta().createUpload({ id: 'old-1', repository: 'a', createdAt: old, updatedAt: old });
      await meta().createUpload({ id: 'old-2', repository: 'b', createdAt: old, updatedAt: old });
      const now = new Date();
      await meta().createUpload({ id: 'new', repository: 'a', createdAt: now, updatedAt: now });
      const cutoff = new Date(now.getTime());
      expect((await meta().listExpiredUploads(cutoff)).map((s) => s.id).sort()).toEqual([
        'old-1',
        'old-2',
      ]);
      await meta().touchUpload('old-1');
      const touched = await meta().getUpload('old-1');
      expect(touched?.updatedAt.getTime()).toBeGreaterThanOrEqual(cutoff.getTime());
      expect(touched?.createdAt).toEqual(old);
      expect((await meta().listExpiredUploads(cutoff)).map((s) => s.id)).toEqual(['old-2']);
      await meta().touchUpload('unknown');
    });
  });

  describe('settings', () => {
    const meta = freshStorePerTest(open);

    it('stores a setting once and returns the first value to every later caller', async () => {
      expect(await meta().getSetting('signing-key')).toBeUndefined();
      expect(await meta().putSettingIfAbsent('signing-key', 'first')).toBe('first');
      expect(await meta().putSettingIfAbsent('signing-key', 'second')).toBe('first');
      expect(await meta().getSetting('signing-key')).toBe('first');
    });

    it('makes concurrent callers agree on one value', async () => {
      const values = await Promise.all(
        Array.from({ length: 12 }, (_, i) => meta().putSettingIfAbsent('admin-hash', `value-${i}`)),
      );
      expect(new Set(values).size).toBe(1);
      expect(await meta().getSetting('admin-hash')).toBe(values[0]);
    });

    it('keeps long values exactly', async () => {
      const value = `${'x'.repeat(100_000)}\u00e9\u{1f600}`;
      expect(await meta().putSettingIfAbsent('long', value)).toBe(value);
    });
  });

  describe('migrations', () => {
    const meta = freshStorePerTest(open);

    it('runs again without changing anything', async () => {
      expect(await meta().putSettingIfAbsent('k', 'v')).toBe('v');
      await meta().migrate();
      await meta().migrate();
      expect(await meta().getSetting('k')).toBe('v');
    });
  });
}
