import { afterEach, describe, expect, test, vi } from 'vitest';

import { decodeDocument } from './decode.js';
import { defaultVulnDbLimits } from './limits.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('decodeDocument (YAML)', () => {
  test('a YAML warning never reaches stderr as a raw warning object', async () => {
    // yaml.parse hands each YAMLWarning to process.emitWarning unless told otherwise.
    const emitWarning = vi.spyOn(process, 'emitWarning');
    const text = '%FUTURE directive\n---\nid: PYSEC-1\n';
    const decoded = await decodeDocument(
      Buffer.from(text),
      'yaml',
      defaultVulnDbLimits,
      'record.yaml',
    );
    expect(decoded).toEqual({ ok: true, values: [{ id: 'PYSEC-1' }] });
    expect(emitWarning).not.toHaveBeenCalled();
  });
});
