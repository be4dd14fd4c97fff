/**
 * Plain-ASCII tables for the human report formats, drawn in time linear in the rows. The layout is
 * the one cli-table3 draws in compact mode (which Moat used until its quadratic layout took
 * minutes for 40 000 packages): a border, the head, a rule, one line per row (more when a
 * wrapping cell wraps), a border; cells padded by one space each side, left-aligned, widths
 * measured by string-width. Cells are single lines of text; control characters are replaced.
 */
import stringWidth from 'string-width';

/** One column: its head and, for long text, a fixed width within which cells wrap at words. */
export interface AsciiColumn {
  head: string;
  /** Fixed width including padding; cells wrap on word boundaries to fit, overlong words cut. */
  wrapWidth?: number;
}

/** One space each side of a cell's text. */
const padding = 2;
/** What ends a word cut to fit a wrapping column. */
const ellipsis = '…';

/** Replaces C0/C1 control characters (ANSI escapes, newlines) with `?` so a cell is one inert line. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Terminal columns a line takes; printable ASCII (nearly every cell) is one column a character. */
function widthOf(text: string): number {
  return /^[\x20-\x7e]*$/.test(text) ? text.length : stringWidth(text);
}

/**
 * Breaks text into lines of at most `max` columns at whitespace, keeping the whitespace between
 * words on a line; a word longer than `max` stands alone on its line (cut when drawn).
 */
function wrapWords(text: string, max: number): string[] {
  const lines: string[] = [];
  const pieces = text.split(/(\s+)/);
  let line = '';
  let lineWidth = 0;
  let space = '';
  for (let i = 0; i < pieces.length; i += 2) {
    const word = pieces[i] ?? '';
    const wordWidth = widthOf(word);
    const joined = lineWidth + wordWidth + (lineWidth > 0 ? space.length : 0);
    if (joined > max) {
      if (lineWidth !== 0) lines.push(line);
      line = word;
      lineWidth = wordWidth;
    } else {
      line += space + word;
      lineWidth = joined;
    }
    space = pieces[i + 1] ?? '';
  }
  if (lineWidth > 0) lines.push(line);
  return lines;
}

/** A line cut to `max` columns, ending in an ellipsis, when it is wider. */
function fitted(line: string, max: number): string {
  if (widthOf(line) <= max) return line;
  const room = Math.max(0, max - widthOf(ellipsis));
  let cut = line.slice(0, room);
  if (line.length !== widthOf(line)) {
    cut = line;
    while (widthOf(cut) > room) cut = cut.slice(0, -1);
  }
  return cut + ellipsis;
}

/** A cell ready to draw: one line of text, or the lines of a wrapped cell. */
type DrawnCell = string | string[];

function drawnCell(text: string, column: AsciiColumn): DrawnCell {
  const safe = printable(text);
  if (column.wrapWidth === undefined) return safe;
  const max = column.wrapWidth - padding;
  return wrapWords(safe, max).map((line) => fitted(line, max));
}

/** Each column's width: its fixed width, else its widest cell (head included) plus padding. */
function columnWidths(columns: readonly AsciiColumn[], rows: readonly DrawnCell[][]): number[] {
  return columns.map((column, index) => {
    if (column.wrapWidth !== undefined) return column.wrapWidth;
    let widest = 0;
    for (const row of rows) {
      const cell = row[index] ?? '';
      // Only wrapping columns hold several lines, and they have a fixed width.
      if (typeof cell === 'string') widest = Math.max(widest, widthOf(cell));
    }
    return Math.max(1, widest + padding);
  });
}

/** Strings of n spaces, made once each: padding every cell anew is most of the garbage. */
class Spaces {
  private readonly made: string[] = [];

  of(count: number): string {
    const n = Math.max(0, count);
    return (this.made[n] ??= ' '.repeat(n));
  }
}

/** Appends the text lines of one row to `out`, every cell padded to its column. */
function drawRow(
  row: readonly DrawnCell[],
  widths: readonly number[],
  spaces: Spaces,
  out: string[],
): void {
  let height = 1;
  for (const cell of row) if (typeof cell !== 'string') height = Math.max(height, cell.length);
  for (let lineNo = 0; lineNo < height; lineNo++) {
    // Concatenated, not joined: far less garbage for the hundreds of thousands of lines.
    let text = '';
    for (let index = 0; index < widths.length; index++) {
      const width = widths[index] ?? 0;
      const cell = row[index] ?? '';
      const line = typeof cell === 'string' ? (lineNo === 0 ? cell : undefined) : cell[lineNo];
      text += index === 0 ? '|' : ' |';
      text +=
        line === undefined
          ? spaces.of(width - 1)
          : ' ' + line + spaces.of(width - padding - widthOf(line));
    }
    out.push(text + ' |');
  }
}

/**
 * Draws rows under a head as one plain-ASCII table (compact: no rules between rows).
 * @example renderAsciiTable([{ head: 'NAME' }, { head: 'TITLE', wrapWidth: 60 }], [['a', 'b']])
 */
export function renderAsciiTable(
  columns: readonly AsciiColumn[],
  rows: readonly (readonly string[])[],
): string {
  const drawn: DrawnCell[][] = [columns.map((column) => drawnCell(column.head, column))];
  for (const row of rows) drawn.push(columns.map((column, i) => drawnCell(row[i] ?? '', column)));
  const widths = columnWidths(columns, drawn);
  const rule = `+${widths.map((width) => '-'.repeat(width)).join('+')}+`;
  const spaces = new Spaces();
  const out: string[] = [rule];
  drawn.forEach((row, index) => {
    if (index === 1) out.push(rule);
    drawRow(row, widths, spaces, out);
  });
  out.push(rule);
  return out.join('\n');
}
