import { afterEach, describe, expect, test, vi } from 'vitest';

import { decodeYaml } from './text-input.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('decodeYaml', () => {
  test('a collection used as a key in an image file prints no raw yaml warning', () => {
    // The yaml package warns through process.emitWarning, which Node prints as "(node:…) Warning".
    const emitWarning = vi.spyOn(process, 'emitWarning');
    expect(decodeYaml('? [a, b]\n: 1\n')).toEqual({ ok: true, value: { '[ a, b ]': '1' } });
    expect(emitWarning).not.toHaveBeenCalled();
  });
});
