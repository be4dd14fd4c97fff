/**
 * Ed25519ph verification (RFC 8032 §5.1.7 with the prehash flag), which Node's crypto lacks:
 * cosign signs with Ed25519 keys as Ed25519ph by default (`pkg/cosign/keys.go`
 * `GetDefaultLoadOptions`). Verification only — it handles public data, so BigInt arithmetic
 * without constant-time care is fine; Moat never signs with it. Checks as Go's `crypto/ed25519`:
 * S < L, the public key and R decode, and the encoding of [S]B − [k]A equals R.
 */
import { createHash } from 'node:crypto';

const p = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const d = mod(-121665n * inverse(121666n));
const sqrtMinusOne = power(2n, (p - 1n) / 4n);
/** dom2(1, ""): "SigEd25519 no Ed25519 collisions", phflag 1, empty context. */
const dom2 = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions'), Buffer.from([1, 0])]);

/** A point in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
type Point = readonly [bigint, bigint, bigint, bigint];

const identity: Point = [0n, 1n, 1n, 0n];
const base = decode(
  Buffer.from('5866666666666666666666666666666666666666666666666666666666666666', 'hex'),
) as Point;

/**
 * Whether `signature` is an Ed25519ph signature (empty context) of `message` by the raw 32-byte
 * Ed25519 public key `publicKey`.
 */
export function verifyEd25519ph(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  const prehash = createHash('sha512').update(message).digest();
  return verifyWith(publicKey, signature, dom2, prehash);
}

/** Pure Ed25519 with the same arithmetic; for tests against Node's implementation. */
export function verifyEd25519Pure(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  return verifyWith(publicKey, signature, Buffer.alloc(0), message);
}

function verifyWith(
  publicKey: Buffer,
  signature: Buffer,
  prefix: Buffer,
  message: Buffer,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const A = decode(publicKey);
  const encodedR = signature.subarray(0, 32);
  const S = littleEndian(signature.subarray(32));
  if (A === undefined || S >= L) return false;
  const k =
    littleEndian(
      createHash('sha512')
        .update(prefix)
        .update(encodedR)
        .update(publicKey)
        .update(message)
        .digest(),
    ) % L;
  const check = add(multiply(base, S), multiply(negate(A), k));
  return encode(check).equals(encodedR);
}

function mod(a: bigint, m = p): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function power(b: bigint, e: bigint): bigint {
  let result = 1n;
  let x = mod(b);
  for (let n = e; n > 0n; n >>= 1n) {
    if (n & 1n) result = mod(result * x);
    x = mod(x * x);
  }
  return result;
}

function inverse(a: bigint): bigint {
  return power(a, p - 2n);
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

/** RFC 8032 §5.1.3; undefined when the bytes are not a point. */
function decode(bytes: Buffer): Point | undefined {
  const copy = Buffer.from(bytes);
  const sign = ((copy[31] ?? 0) >> 7) & 1;
  copy[31] = (copy[31] ?? 0) & 0x7f;
  const y = littleEndian(copy);
  if (y >= p) return undefined;
  const u = mod(y * y - 1n);
  const v = mod(d * y * y + 1n);
  const x2 = mod(u * inverse(v));
  let x = power(x2, (p + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * sqrtMinusOne);
  if (mod(x * x - x2) !== 0n) return undefined;
  if (x === 0n && sign === 1) return undefined;
  if (Number(x & 1n) !== sign) x = p - x;
  return [x, y, 1n, mod(x * y)];
}

function encode([X, Y, Z]: Point): Buffer {
  const zInverse = inverse(Z);
  const x = mod(X * zInverse);
  const y = mod(Y * zInverse);
  const out = Buffer.alloc(32);
  let rest = y;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  out[31] = (out[31] ?? 0) | (Number(x & 1n) << 7);
  return out;
}

/** RFC 8032 §5.1.4 unified addition (also doubles). */
function add([X1, Y1, Z1, T1]: Point, [X2, Y2, Z2, T2]: Point): Point {
  const A = mod((Y1 - X1) * (Y2 - X2));
  const B = mod((Y1 + X1) * (Y2 + X2));
  const C = mod(T1 * 2n * d * T2);
  const D = mod(Z1 * 2n * Z2);
  const E = B - A;
  const F = D - C;
  const G = D + C;
  const H = B + A;
  return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
}

function multiply(point: Point, scalar: bigint): Point {
  let result = identity;
  let addend = point;
  for (let n = scalar; n > 0n; n >>= 1n) {
    if (n & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

function negate([X, Y, Z, T]: Point): Point {
  return [mod(-X), Y, Z, mod(-T)];
}
