/**
 * Just enough DER (ITU-T X.690) to write an X.509 certificate: lengths, integers, object
 * identifiers, strings, times, bit and octet strings, sequences, sets and context tags. Encoding
 * only; Node's `X509Certificate` and openssl read the result in the tests.
 */

/** One encoded TLV. */
export type Der = Buffer;

function lengthOf(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV with `tag` around `content`. */
export function tlv(tag: number, content: Buffer): Der {
  return Buffer.concat([Buffer.from([tag]), lengthOf(content.length), content]);
}

/** SEQUENCE of `items`. */
export function sequence(...items: Der[]): Der {
  return tlv(0x30, Buffer.concat(items));
}

/** SET of `items` (callers give one item or items already in DER order). */
export function set(...items: Der[]): Der {
  return tlv(0x31, Buffer.concat(items));
}

/** A non-negative INTEGER from its big-endian bytes (a zero byte added when the top bit is set). */
export function integer(bytes: Buffer | number): Der {
  let value = typeof bytes === 'number' ? Buffer.from([bytes]) : bytes;
  let start = 0;
  while (start < value.length - 1 && value[start] === 0 && ((value[start + 1] ?? 0) & 0x80) === 0) {
    start += 1;
  }
  value = value.subarray(start);
  if (((value[0] ?? 0) & 0x80) !== 0) value = Buffer.concat([Buffer.from([0]), value]);
  return tlv(0x02, value);
}

/** BOOLEAN. */
export function boolean(value: boolean): Der {
  return tlv(0x01, Buffer.from([value ? 0xff : 0]));
}

/** OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Der {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      groups.unshift((value & 0x7f) | 0x80);
    }
    for (const group of groups) bytes.push(group);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTF8String. */
export function utf8(text: string): Der {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

/** OCTET STRING. */
export function octets(bytes: Buffer): Der {
  return tlv(0x04, bytes);
}

/** BIT STRING of whole bytes, `unused` bits of the last byte unused. */
export function bits(bytes: Buffer, unused = 0): Der {
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
export function time(date: Date): Der {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

/** A constructed context-specific tag `[n]` around `content` (EXPLICIT tagging). */
export function explicit(n: number, content: Der): Der {
  return tlv(0xa0 | n, content);
}
