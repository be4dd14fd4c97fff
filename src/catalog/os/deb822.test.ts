import { describe, expect, it } from 'vitest';

import {
  controlStanzas,
  maxControlFieldBytes,
  maxControlFields,
  parseControlStanzas,
} from './deb822.js';
import { maxDpkgWarnings, parseDpkgStatus } from './dpkg.js';

const installed = 'Status: install ok installed\n';

describe('parseControlStanzas on oversized input', () => {
  it('cuts a field whose continuation lines pass the field limit and names it', () => {
    const lines = Math.ceil(maxControlFieldBytes / 4) + 10;
    const text = `Package: a\nDescription: x\n${' abc\n'.repeat(lines)}Version: 1\n`;
    const [stanza] = parseControlStanzas(text);
    expect(stanza?.cutFields).toEqual(['description']);
    expect(stanza?.fields.get('description')?.length).toBeLessThanOrEqual(maxControlFieldBytes);
    expect(stanza?.fields.get('version')).toBe('1');
  });

  it('drops fields past the per-stanza limit and names them', () => {
    const many = Array.from({ length: maxControlFields + 5 }, (_, i) => `F${i}: v\n`).join('');
    const [stanza] = parseControlStanzas(`Package: a\n${many}`);
    expect(stanza?.fields.size).toBe(maxControlFields);
    expect(stanza?.cutFields).toHaveLength(6);
  });

  it('keeps only the fields asked for, checking the others for form', () => {
    const text = 'Package: a\nDescription: long\n more\nVersion: 1\n\nPackage: b\nbad line\n';
    const stanzas = [...controlStanzas(text, { only: new Set(['package']) })];
    expect(stanzas.map((s) => [...s.fields])).toEqual([[['package', 'a']], [['package', 'b']]]);
    expect(stanzas[1]?.malformedLine).toBe(7);
  });
});

describe('parseDpkgStatus on oversized input', () => {
  it('reports a package whose description has millions of continuation lines', () => {
    const text = `Package: a\n${installed}Version: 1\nDescription: x\n${' .\n'.repeat(3_000_000)}`;
    const { packages, warnings } = parseDpkgStatus(text);
    expect(packages.map((p) => p.name)).toEqual(['a']);
    expect(warnings).toEqual([]);
  });

  it('skips a package whose Version runs past the field limit, with a warning', () => {
    const long = ` ${'9'.repeat(1000)}\n`.repeat(Math.ceil(maxControlFieldBytes / 1000) + 1);
    const text = `Package: a\n${installed}Version: 1\n${long}\nPackage: b\n${installed}Version: 2\n`;
    const { packages, warnings } = parseDpkgStatus(text);
    expect(packages.map((p) => p.name)).toEqual(['b']);
    expect(warnings).toEqual([
      `/var/lib/dpkg/status:1: version over ${maxControlFieldBytes} bytes, stanza skipped`,
    ]);
  });

  it('caps its warnings for a file of 200 000 bad stanzas, counting the rest', () => {
    const text = `Package: a\n${installed}Version: 1\n\n${'Foo: bar\n\n'.repeat(200_000)}`;
    const { packages, warnings } = parseDpkgStatus(text);
    expect(packages).toHaveLength(1);
    expect(warnings).toHaveLength(maxDpkgWarnings + 1);
    expect(warnings.at(-1)).toBe(
      `/var/lib/dpkg/status: ${200_000 - maxDpkgWarnings} more warnings about this file left out`,
    );
  });
});
