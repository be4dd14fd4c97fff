import { describe, expect, test } from 'vitest';
import { isMoatError } from '../errors.js';
import { sampleInventory } from './__fixtures__/inventory.js';
import { isSbomFormat, renderInventory, sbomFormats, type SbomFormat } from './index.js';

describe('renderInventory', () => {
  test('offers exactly the formats moat sbom documents', () => {
    expect(sbomFormats).toEqual(['cyclonedx-json', 'spdx-json', 'json', 'table']);
  });

  test.each([
    [
      'cyclonedx-json',
      (text: string) => (JSON.parse(text) as { bomFormat: string }).bomFormat,
      'CycloneDX',
    ],
    [
      'spdx-json',
      (text: string) => (JSON.parse(text) as { spdxVersion: string }).spdxVersion,
      'SPDX-2.3',
    ],
    ['json', (text: string) => (JSON.parse(text) as { schemaVersion: number }).schemaVersion, 2],
    ['table', (text: string) => text.slice(0, 7), 'Target:'],
  ] as const)('renders %s', async (format, pick, expected) => {
    expect(pick(await renderInventory(sampleInventory(), format))).toBe(expected);
  });

  test('every format ends with a newline', async () => {
    for (const format of sbomFormats) {
      expect((await renderInventory(sampleInventory(), format)).endsWith('\n'), format).toBe(true);
    }
  });

  test('an unknown format is a usage error naming the choices', async () => {
    let caught: unknown;
    try {
      await renderInventory(sampleInventory(), 'xml' as SbomFormat);
    } catch (error) {
      caught = error;
    }
    expect(isMoatError(caught) && caught.code).toBe('USAGE');
    expect((caught as Error).message).toContain('cyclonedx-json, spdx-json, json, table');
  });

  test('isSbomFormat tells CLI strings that name a format from others', () => {
    expect([isSbomFormat('spdx-json'), isSbomFormat('spdx')]).toEqual([true, false]);
  });
});
