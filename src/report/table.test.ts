import { describe, expect, test } from 'vitest';
import { sampleInventory } from './__fixtures__/inventory.js';
import { renderTable } from './table.js';

const rowOf = (table: string, text: string): string | undefined =>
  table.split('\n').find((line) => line.includes(text));

describe('renderTable', () => {
  test('the header line names the target, the OS and the package count', () => {
    expect(renderTable(sampleInventory()).split('\n')[0]).toBe(
      'Target: oci-archive:app.tar | OS: debian 12 (bookworm) | Packages: 10',
    );
  });

  test('the column heads are NAME, VERSION, TYPE, SOURCE, LAYER and PATH', () => {
    expect(
      rowOf(renderTable(sampleInventory()), 'NAME')
        ?.split(/\s*\|\s*/)
        .filter(Boolean),
    ).toEqual(['NAME', 'VERSION', 'TYPE', 'SOURCE', 'LAYER', 'PATH']);
  });

  test('every package has a row with its name, version, type and path', () => {
    const table = renderTable(sampleInventory());
    for (const pkg of sampleInventory().packages) {
      const row = table
        .split('\n')
        .find((line) => line.includes(` ${pkg.path} `) && line.includes(`${pkg.name} `));
      expect(row, pkg.purl).toContain(` ${pkg.version} `);
      expect(row, pkg.purl).toContain(` ${pkg.type} `);
    }
  });

  test('names are written in full: npm scope, Maven group', () => {
    const table = renderTable(sampleInventory());
    expect(rowOf(table, '@babel/core')).toContain(' 7.24.0 ');
    expect(rowOf(table, 'org.apache.logging.log4j:log4j-core')).toContain(' 2.17.1 ');
  });

  test('a row shows the source package and the layer digest shortened to 12 hex digits', () => {
    const row = rowOf(renderTable(sampleInventory()), 'libgcc-s1');
    expect(row).toContain(' gcc-12 ');
    expect(row).toContain(' 7a1e8b5b8b4a ');
    expect(row).not.toContain('sha256:');
  });

  test('the table is plain ASCII', () => {
    expect(renderTable(sampleInventory())).toMatch(/^[\x20-\x7e\n]*$/);
  });

  test('control characters from the image are neutralised', () => {
    const inventory = sampleInventory();
    const [first] = inventory.packages;
    if (first === undefined) throw new TypeError('fixture is empty');
    first.name = 'evil\u001b[2J\npkg';
    const table = renderTable(inventory);
    expect(table).not.toContain('\u001b');
    expect(table).toContain('evil?[2J?pkg');
  });

  test('an image without packages says so instead of printing an empty table', () => {
    const inventory = sampleInventory();
    inventory.packages = [];
    expect(renderTable(inventory)).toBe(
      'Target: oci-archive:app.tar | OS: debian 12 (bookworm) | Packages: 0\n\nNo packages found.\n',
    );
  });

  test('rendering is deterministic whatever the package order', () => {
    const shuffled = sampleInventory();
    shuffled.packages.reverse();
    expect(renderTable(shuffled)).toBe(renderTable(sampleInventory()));
  });

  test('200 000 packages are drawn, one line each, in the order of every format', () => {
    const inventory = sampleInventory();
    const [template] = inventory.packages;
    if (template === undefined) throw new TypeError('fixture is empty');
    inventory.packages = Array.from({ length: 200_000 }, (_, i) => ({
      ...template,
      name: `pkg-${String(i).padStart(6, '0')}`,
      purl: `pkg:deb/debian/pkg-${i}@1.0`,
    }));
    const lines = renderTable(inventory).split('\n');
    // The header, a blank line, a border, the head, a rule, the rows, a border, the final newline.
    expect(lines).toHaveLength(200_000 + 7);
    expect(lines[5]).toMatch(/^\| pkg-000000 +\| 1:1\.2\.13\.dfsg-1 +\| deb +\| zlib +\|/);
    expect(lines.at(-3)).toMatch(/^\| pkg-199999 /);
  });
});
