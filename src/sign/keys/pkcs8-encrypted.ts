/**
 * The key derivation parameters of an encrypted PKCS#8 key (RFC 5958 `EncryptedPrivateKeyInfo`),
 * read from the DER before OpenSSL sees the key: OpenSSL would run a hostile PBKDF2 iteration
 * count or scrypt `p` to the end. Understood: PBES2 with PBKDF2 (RFC 8018) or scrypt (RFC 7914),
 * and the PBES1 / PKCS#12 schemes whose parameters are `SEQUENCE { salt, iterations }`.
 */
import { SignError } from '../../errors.js';
import { checkPbkdf2Iterations, checkScryptParams } from './kdf-params.js';

const pbes2 = '2a864886f70d01050d'; // 1.2.840.113549.1.5.13
const pbkdf2 = '2a864886f70d01050c'; // 1.2.840.113549.1.5.12
const scrypt = '2b06010401da47040b'; // 1.3.6.1.4.1.11591.4.11

const SEQUENCE = 0x30;
const OID = 0x06;
const INTEGER = 0x02;

/** One DER element: its tag and where its content lies in the buffer. */
interface Element {
  tag: number;
  start: number;
  end: number;
}

/**
 * Refuses an encrypted PKCS#8 key whose key derivation would cost more than the limits allow.
 * @throws SignError KEY_INVALID (not DER of the expected shape), LIMIT_EXCEEDED
 */
export function checkEncryptedPkcs8Kdf(der: Buffer, source: string): void {
  const reader = new DerReader(der, source);
  const info = reader.children(reader.element(0, der.length, SEQUENCE));
  const algorithm = reader.children(reader.expect(info[0], SEQUENCE));
  const scheme = reader.hex(reader.expect(algorithm[0], OID));
  const params = reader.children(reader.expect(algorithm[1], SEQUENCE));
  if (scheme !== pbes2) {
    // PBES1 (RFC 8018 PBEParameter) and PKCS#12 PBE: SEQUENCE { salt, iterationCount }.
    checkPbkdf2Iterations(reader.integer(reader.expect(params[1], INTEGER)), source);
    return;
  }
  const kdf = reader.children(reader.expect(params[0], SEQUENCE));
  const kdfOid = reader.hex(reader.expect(kdf[0], OID));
  const kdfParams = reader.children(reader.expect(kdf[1], SEQUENCE));
  if (kdfOid === pbkdf2) {
    checkPbkdf2Iterations(reader.integer(reader.expect(kdfParams[1], INTEGER)), source);
  } else if (kdfOid === scrypt) {
    const [N, r, p] = [1, 2, 3].map((at) => reader.integer(reader.expect(kdfParams[at], INTEGER)));
    checkScryptParams({ N: N ?? 0, r: r ?? 0, p: p ?? 0 }, source);
  } else {
    throw new SignError('KEY_INVALID', `${source}: unsupported key derivation in encrypted PKCS#8`);
  }
}

/** Just enough DER: definite lengths, bounds checked against the enclosing element. */
class DerReader {
  constructor(
    private readonly der: Buffer,
    private readonly source: string,
  ) {}

  element(at: number, limit: number, tag?: number): Element {
    if (at + 2 > limit) throw this.invalid();
    const found = this.der[at] ?? 0;
    let length = this.der[at + 1] ?? 0;
    let start = at + 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 4 || start + bytes > limit) throw this.invalid();
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + (this.der[start + i] ?? 0);
      start += bytes;
    }
    const end = start + length;
    if (end > limit || (tag !== undefined && found !== tag)) throw this.invalid();
    return { tag: found, start, end };
  }

  children(parent: Element): Element[] {
    const list: Element[] = [];
    for (let at = parent.start; at < parent.end && list.length < 8;) {
      const child = this.element(at, parent.end);
      list.push(child);
      at = child.end;
    }
    return list;
  }

  expect(element: Element | undefined, tag: number): Element {
    if (element?.tag !== tag) throw this.invalid();
    return element;
  }

  hex(element: Element): string {
    return this.der.subarray(element.start, element.end).toString('hex');
  }

  /** A non-negative INTEGER; anything past 2^48 is returned as Infinity (beyond every limit). */
  integer(element: Element): number {
    const bytes = this.der.subarray(element.start, element.end);
    if (bytes.length === 0 || (bytes[0] ?? 0) & 0x80) throw this.invalid();
    let value = 0;
    for (const byte of bytes) value = value * 256 + byte;
    return value > 2 ** 48 ? Infinity : value;
  }

  private invalid(): SignError {
    return new SignError('KEY_INVALID', `${this.source}: not a valid encrypted PKCS#8 key`);
  }
}
