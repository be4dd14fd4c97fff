/**
 * deb822 control stanzas (`Field: value` lines, continuation lines indented, stanzas separated by
 * blank lines; deb-control(5)) read one line at a time. Memory stays linear in the input and
 * bounded per stanza: lines are never all held at once, a field keeps at most
 * {@link maxControlFieldBytes} characters, a stanza at most {@link maxControlFields} fields, and a
 * caller may keep only the fields it reads.
 */

/** Most characters kept of one field's value; the rest is cut and the field named in `cutFields`. */
export const maxControlFieldBytes = 1024 * 1024;
/** Most fields kept of one stanza; later ones are dropped and named in `cutFields`. */
export const maxControlFields = 1024;

/** One deb822 stanza: lower-cased field names to values (continuations joined by `\n`). */
export interface ControlStanza {
  /** 1-based line on which the stanza starts. */
  line: number;
  fields: Map<string, string>;
  /** The first malformed line, when there is one. */
  malformedLine?: number;
  /** Fields cut at {@link maxControlFieldBytes} or dropped past {@link maxControlFields}. */
  cutFields?: string[];
}

/** Options of {@link controlStanzas}. */
export interface ControlStanzaOptions {
  /** Keep only these (lower-case) fields; the others are checked for form but not stored. */
  only?: ReadonlySet<string>;
}

/** A stanza being read: each field's value as parts, joined when the stanza ends. */
class StanzaBuilder {
  private readonly parts = new Map<string, { parts: string[]; length: number }>();
  private readonly cut = new Set<string>();
  malformedLine: number | undefined;

  constructor(readonly line: number) {}

  /** Starts a field (a repeated field replaces the earlier value, as before). */
  start(name: string, value: string): void {
    if (!this.parts.has(name) && this.parts.size >= maxControlFields) {
      this.cut.add(name);
      return;
    }
    this.parts.set(name, { parts: [], length: 0 });
    this.append(name, value);
  }

  /** Appends a line to a field's value, within the field limit. */
  append(name: string, value: string): void {
    const field = this.parts.get(name);
    if (!field) return;
    const length = field.length + (field.parts.length > 0 ? 1 : 0) + value.length;
    if (length > maxControlFieldBytes) {
      this.cut.add(name);
      return;
    }
    field.parts.push(value);
    field.length = length;
  }

  build(): ControlStanza {
    const fields = new Map<string, string>();
    for (const [name, field] of this.parts) fields.set(name, field.parts.join('\n'));
    const stanza: ControlStanza = { line: this.line, fields };
    if (this.malformedLine !== undefined) stanza.malformedLine = this.malformedLine;
    if (this.cut.size > 0) stanza.cutFields = [...this.cut];
    return stanza;
  }
}

const fieldLine = /^([^\s:][^:\s]*):[ \t]*/;
/** Characters a field line's value may not hold (where `.` stops in deb822's usual pattern). */
const lineBreaks = /[\r\u2028\u2029]/;

/**
 * Yields the stanzas of deb822 text one at a time; never throws.
 * @example [...controlStanzas('Package: a\n\nPackage: b\n')].length // 2
 */
export function* controlStanzas(
  text: string,
  options: ControlStanzaOptions = {},
): Generator<ControlStanza> {
  let current: StanzaBuilder | undefined;
  // The field continuation lines belong to; undefined before any field or after a bad line.
  let lastField: string | undefined;
  let lineNo = 0;
  for (let start = 0; start <= text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    lineNo++;
    const line =
      text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') {
      if (current) yield current.build();
      current = undefined;
      lastField = undefined;
      continue;
    }
    current ??= new StanzaBuilder(lineNo);
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (lastField === undefined) current.malformedLine ??= lineNo;
      else current.append(lastField, line.trim());
      continue;
    }
    const match = fieldLine.exec(line);
    if (!match || lineBreaks.test(line)) {
      current.malformedLine ??= lineNo;
      lastField = undefined;
      continue;
    }
    const name = (match[1] ?? '').toLowerCase();
    lastField = name;
    if (options.only && !options.only.has(name)) continue;
    current.start(name, line.slice(match[0].length).trim());
  }
  if (current) yield current.build();
}

/** Splits deb822 text into stanzas; never throws. */
export function parseControlStanzas(
  text: string,
  options: ControlStanzaOptions = {},
): ControlStanza[] {
  return [...controlStanzas(text, options)];
}
