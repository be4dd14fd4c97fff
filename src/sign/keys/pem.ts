/**
 * PEM blocks (RFC 7468) as cosign and OpenSSL write them: finding the first block and its label,
 * strict base64 of its body, and writing a block with 64-character lines as Go's `pem.Encode` does.
 */
import { SignError } from '../../errors.js';

/** One decoded PEM block. */
export interface PemBlock {
  label: string;
  /** RFC 1421 headers (`Proc-Type: 4,ENCRYPTED` of a legacy OpenSSL key), in order. */
  headers: [string, string][];
  der: Buffer;
  /** The block's text from BEGIN to END, for Node's own parsers. */
  text: string;
}

const beginPattern = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n/;
const base64Line = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The first PEM block of `bytes` (text before it is ignored, as Go's `pem.Decode` does).
 * @throws SignError KEY_INVALID when there is none or its body is not base64.
 */
export function decodePem(bytes: Buffer, source: string): PemBlock {
  const text = bytes.toString('latin1');
  const begin = beginPattern.exec(text);
  if (begin === null) throw invalid(source, 'not a PEM file (no BEGIN line)');
  const label = begin[1] ?? '';
  const endLine = `-----END ${label}-----`;
  const bodyStart = begin.index + begin[0].length;
  const end = text.indexOf(endLine, bodyStart);
  if (end < 0) throw invalid(source, `PEM block ${label} has no END line (truncated?)`);
  const lines = text
    .slice(bodyStart, end)
    .split(/\r?\n/)
    .map((line) => line.trim());
  const headers: [string, string][] = [];
  let first = 0;
  if (lines.some((line) => line.includes(':'))) {
    for (; first < lines.length && lines[first] !== ''; first++) {
      const line = lines[first] ?? '';
      const colon = line.indexOf(':');
      if (colon < 0) throw invalid(source, `PEM block ${label} has a malformed header`);
      headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  }
  const body = lines.slice(first).join('');
  if (!base64Line.test(body) || body.length % 4 !== 0) {
    throw invalid(source, `PEM block ${label} is not valid base64`);
  }
  const der = Buffer.from(body, 'base64');
  if (der.length === 0) throw invalid(source, `PEM block ${label} is empty`);
  return { label, headers, der, text: text.slice(begin.index, end + endLine.length) + '\n' };
}

/** `der` as a PEM block with `label`, 64 characters a line, ending in a newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < body.length; at += 64) lines.push(body.slice(at, at + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function invalid(source: string, reason: string): SignError {
  return new SignError('KEY_INVALID', `${source}: ${reason}`);
}
