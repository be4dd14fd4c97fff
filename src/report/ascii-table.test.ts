import Table from 'cli-table3';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { type AsciiColumn, printable, renderAsciiTable } from './ascii-table.js';

/** The table cli-table3 draws at once with the options Moat's reports used before. */
function cliTable3(columns: readonly AsciiColumn[], rows: string[][]): string {
  const wraps = columns.some((c) => c.wrapWidth !== undefined);
  const table = new Table({
    head: columns.map((c) => c.head),
    chars: {
      top: '-',
      'top-mid': '+',
      'top-left': '+',
      'top-right': '+',
      bottom: '-',
      'bottom-mid': '+',
      'bottom-left': '+',
      'bottom-right': '+',
      left: '|',
      'left-mid': '+',
      mid: '-',
      'mid-mid': '+',
      right: '|',
      'right-mid': '+',
      middle: '|',
    },
    style: { head: [], border: [], compact: true },
    colWidths: columns.map((c) => c.wrapWidth ?? null),
    wordWrap: wraps,
  });
  for (const row of rows) table.push(row.map(printable));
  return table.toString();
}

/** Cell text mixing ASCII, spaces, wide CJK, emoji, combining marks and control characters. */
const cellText = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', 'bc', 'libssl3', '1.2.3-4', ' ', '  ', '\t', '\u3000', '\u00a0'),
      fc.constantFrom('漢字', '🙂', 'e\u0301', '…', '\u001b[31m', '\n', 'x'.repeat(70)),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('renderAsciiTable', () => {
  test('draws exactly what cli-table3 draws, wrapping column or not', () => {
    const columns: AsciiColumn[] = [
      { head: 'NAME' },
      { head: 'VERSION' },
      { head: 'TITLE', wrapWidth: 20 },
    ];
    fc.assert(
      fc.property(
        fc.array(fc.array(cellText, { minLength: 3, maxLength: 3 }), { maxLength: 8 }),
        (rows) => {
          expect(renderAsciiTable(columns, rows)).toBe(cliTable3(columns, rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('draws exactly what cli-table3 draws without a wrapping column', () => {
    const columns: AsciiColumn[] = [{ head: 'NAME' }, { head: 'PATH' }];
    fc.assert(
      fc.property(
        fc.array(fc.array(cellText, { minLength: 2, maxLength: 2 }), { maxLength: 8 }),
        (rows) => {
          expect(renderAsciiTable(columns, rows)).toBe(cliTable3(columns, rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a head without rows is a border, the head and a border', () => {
    expect(renderAsciiTable([{ head: 'A' }, { head: 'BB' }], [])).toBe(
      '+---+----+\n| A | BB |\n+---+----+',
    );
  });

  test('200 000 rows are all drawn, one line each', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [`pkg-${i}`, `${i}.0`]);
    const lines = renderAsciiTable([{ head: 'NAME' }, { head: 'VERSION' }], rows).split('\n');
    expect(lines).toHaveLength(200_000 + 4);
    expect(lines[3]).toBe('| pkg-0      | 0.0      |');
    expect(lines.at(-2)).toBe('| pkg-199999 | 199999.0 |');
  });
});
