/**
 * JSON text exactly as Go's `encoding/json` writes it, for everything cosign marshals with it: the
 * simple-signing payload (maps: keys sorted) and the OCI documents of `oci/go-manifest.ts`
 * (structs: fields in declaration order, which callers give as insertion order). `JSON.stringify` differs in ways that change the signed bytes: Go
 * escapes `<`, `>`, `&`, U+2028 and U+2029 (`\u003c`, …), sorts map keys by their UTF-8 bytes,
 * writes a lone surrogate as U+FFFD and `-0` as `-0`. Control characters agree (`\b`, `\f`, `\n`,
 * `\r`, `\t` short since Go 1.22, the rest `\u00xx`).
 */

/** A JSON value as Go would marshal it from `map[string]any` / `[]any` / string / float64 / bool / nil. */
export type GoJsonValue =
  | string
  | number
  | boolean
  | null
  | readonly GoJsonValue[]
  | { readonly [key: string]: GoJsonValue | undefined };

const hex = '0123456789abcdef';

/** Encodes a string as Go's `encoding/json` does with HTML escaping on (its default). */
export function goJsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i]! + value[i + 1]!;
        i++;
      } else {
        out += '\ufffd';
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\ufffd';
      continue;
    }
    out += escapeUnit(code, value[i]!);
  }
  return out + '"';
}

function escapeUnit(code: number, char: string): string {
  switch (char) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
  }
  // Go escapes the other control characters, the HTML-sensitive <, >, & and the JavaScript line
  // terminators U+2028/U+2029 (encoding/json encode.go, appendString).
  if (code < 0x20 || char === '<' || char === '>' || char === '&') {
    return `\\u00${hex[code >> 4]!}${hex[code & 0xf]!}`;
  }
  if (code === 0x2028 || code === 0x2029) return `\\u202${hex[code & 0xf]!}`;
  return char;
}

/** Go sorts map keys by their UTF-8 bytes, which differs from UTF-16 order above U+FFFF. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** How object keys are ordered: `map` sorts them as Go does for maps; `struct` keeps the given order. */
export type GoKeyOrder = 'map' | 'struct';

/**
 * Encodes a value as Go marshals the equivalent `any` (objects are maps: keys sorted) or, with
 * `struct`, the equivalent struct (keys in the order given; undefined fields left out, as
 * `omitempty` does). Go writes a float64 in plain notation from 1e-6 to 1e21 and as `1e+21`/`1e-7`
 * outside, exactly the thresholds and spelling of JavaScript's `Number#toString`; only `-0` differs.
 */
export function goJson(value: GoJsonValue, order: GoKeyOrder = 'map'): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`Go cannot encode ${value} as JSON`);
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: GoJsonValue) => goJson(item, order)).join(',')}]`;
  }
  const object = value as { readonly [key: string]: GoJsonValue | undefined };
  const keys = Object.keys(object).filter((key) => object[key] !== undefined);
  if (order === 'map') keys.sort(compareUtf8);
  return `{${keys.map((key) => `${goJsonString(key)}:${goJson(object[key]!, order)}`).join(',')}}`;
}
