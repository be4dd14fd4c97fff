/**
 * Verifies a signature over a digest the caller already holds (a message-signature bundle checked
 * against `sha256:<hex>` without the artefact's bytes). Node's `crypto.verify` always hashes its
 * input and has no "pre-hashed" mode, so ECDSA (P-256, P-384, P-521) is checked here with the
 * textbook algorithm (SEC 1 §4.1.4) on BigInts — verification handles no secret, so constant time
 * is not needed — and RSA PKCS#1 v1.5 by recovering the DigestInfo with the public key. Ed25519
 * signs the message itself, never a digest, so it cannot be checked this way.
 */
import { constants, publicDecrypt, type KeyObject } from 'node:crypto';

interface Curve {
  p: bigint;
  a: bigint;
  n: bigint;
  g: Point;
}
type Point = { x: bigint; y: bigint } | null;

const hex = (value: string): bigint => BigInt(`0x${value}`);

// FIPS 186-4 D.1.2 curve parameters; the tests check each generator and order against Node.
const curves: Record<string, Curve> = {
  'P-256': {
    p: hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
    a: hex('ffffffff00000001000000000000000000000000fffffffffffffffffffffffc'),
    n: hex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
    g: {
      x: hex('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
      y: hex('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
    },
  },
  'P-384': {
    p: (1n << 384n) - (1n << 128n) - (1n << 96n) + (1n << 32n) - 1n,
    a: (1n << 384n) - (1n << 128n) - (1n << 96n) + (1n << 32n) - 4n,
    n: hex(
      'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    ),
    g: {
      x: hex(
        'aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7',
      ),
      y: hex(
        '3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f',
      ),
    },
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    a: (1n << 521n) - 4n,
    n: hex(
      '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    ),
    g: {
      x: hex(
        '00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66',
      ),
      y: hex(
        '011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650',
      ),
    },
  },
};

/** The DER DigestInfo prefixes of PKCS#1 v1.5 (RFC 8017 §9.2, note 1). */
const digestInfoPrefixes: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/**
 * True when `signature` is `key`'s signature over a message whose `hash` digest is `digest`.
 * Never throws on a bad or malformed signature; false for key types that cannot sign a digest.
 */
export function verifyPrehashed(
  key: KeyObject,
  hash: string,
  digest: Buffer,
  signature: Buffer,
): boolean {
  try {
    if (key.asymmetricKeyType === 'ec') return verifyEcdsa(key, digest, signature);
    if (key.asymmetricKeyType === 'rsa') return verifyRsaPkcs1(key, hash, digest, signature);
    return false;
  } catch {
    return false;
  }
}

function verifyRsaPkcs1(key: KeyObject, hash: string, digest: Buffer, signature: Buffer): boolean {
  const prefix = digestInfoPrefixes[hash];
  if (!prefix) return false;
  const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  return recovered.equals(Buffer.concat([Buffer.from(prefix, 'hex'), digest]));
}

function verifyEcdsa(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const jwk = key.export({ format: 'jwk' });
  const curve = jwk.crv ? curves[jwk.crv] : undefined;
  if (!curve || !jwk.x || !jwk.y) return false;
  const q = {
    x: fromBytes(Buffer.from(jwk.x, 'base64url')),
    y: fromBytes(Buffer.from(jwk.y, 'base64url')),
  };
  const rs = parseDerSignature(signature);
  if (!rs) return false;
  const { r, s } = rs;
  const { n } = curve;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  const e = truncatedDigest(digest, n);
  const w = inverse(s, n);
  const point = add(
    curve,
    multiply(curve, curve.g, mod(e * w, n)),
    multiply(curve, q, mod(r * w, n)),
  );
  return point !== null && mod(point.x, n) === r;
}

/** The leftmost bits of the digest, as many as the order has (SEC 1 §4.1.4 step 3). */
function truncatedDigest(digest: Buffer, n: bigint): bigint {
  const orderBits = n.toString(2).length;
  const e = fromBytes(digest);
  const excess = digest.length * 8 - orderBits;
  return excess > 0 ? e >> BigInt(excess) : e;
}

/** Parses `SEQUENCE { INTEGER r, INTEGER s }` strictly enough for verification. */
function parseDerSignature(der: Buffer): { r: bigint; s: bigint } | undefined {
  let offset = 0;
  const readLength = (): number | undefined => {
    const first = der[offset++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2) return undefined;
    let length = 0;
    for (let i = 0; i < count; i++) {
      const byte = der[offset++];
      if (byte === undefined) return undefined;
      length = length * 256 + byte;
    }
    return length;
  };
  const readInteger = (): bigint | undefined => {
    if (der[offset++] !== 0x02) return undefined;
    const length = readLength();
    if (length === undefined || length === 0 || offset + length > der.length) return undefined;
    const value = der.subarray(offset, offset + length);
    offset += length;
    if ((value[0] ?? 0) & 0x80) return undefined; // negative
    return fromBytes(value);
  };
  if (der[offset++] !== 0x30) return undefined;
  const length = readLength();
  if (length === undefined || offset + length !== der.length) return undefined;
  const r = readInteger();
  const s = readInteger();
  if (r === undefined || s === undefined || offset !== der.length) return undefined;
  return { r, s };
}

function fromBytes(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function mod(value: bigint, m: bigint): bigint {
  const result = value % m;
  return result >= 0n ? result : result + m;
}

/** Modular inverse by the extended Euclidean algorithm (m prime, value not 0 mod m). */
function inverse(value: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(value, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return mod(oldS, m);
}

function add(curve: Curve, a: Point, b: Point): Point {
  if (a === null) return b;
  if (b === null) return a;
  const { p } = curve;
  let slope: bigint;
  if (a.x === b.x) {
    if (mod(a.y + b.y, p) === 0n) return null;
    slope = mod((3n * a.x * a.x + curve.a) * inverse(2n * a.y, p), p);
  } else {
    slope = mod((b.y - a.y) * inverse(b.x - a.x, p), p);
  }
  const x = mod(slope * slope - a.x - b.x, p);
  return { x, y: mod(slope * (a.x - x) - a.y, p) };
}

function multiply(curve: Curve, point: Point, scalar: bigint): Point {
  let result: Point = null;
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = add(curve, result, addend);
    addend = add(curve, addend, addend);
  }
  return result;
}
