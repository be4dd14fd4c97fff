/**
 * The Sigstore trusted root (`trusted_root.json`): Fulcio CAs, Rekor and CT log keys, timestamp
 * authorities, each with its validity window. Read from a file or bytes the caller supplies —
 * never fetched (no TUF) — bounded, parsed with `@sigstore/protobuf-specs` and checked entry by
 * entry so that a broken root fails here as TRUSTED_ROOT_INVALID, not later as a confusing
 * verification failure.
 */

import { X509Certificate, crypto as sigstoreCrypto } from '@sigstore/core';
import {
  PublicKeyDetails,
  TrustedRoot as ProtoTrustedRoot,
  type CertificateAuthority,
  type TransparencyLogInstance,
} from '@sigstore/protobuf-specs';

import { LimitExceededError, SignError } from '../../errors.js';
import { readFileBounded } from '../../util/bounded-file.js';
import type { TrustedRoot } from '../types.js';

/** The largest `trusted_root.json` read (the public-good root is ~7 KiB). */
export const maxTrustedRootBytes = 1024 * 1024;

/** The media types a trusted root may declare (v0.1 and v0.2 of the protobuf-specs format). */
export const trustedRootMediaTypes: readonly string[] = [
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
];

const pkcs1KeyDetails = new Set<PublicKeyDetails>([
  PublicKeyDetails.PKCS1_RSA_PKCS1V5,
  PublicKeyDetails.PKIX_RSA_PKCS1V5,
  PublicKeyDetails.PKIX_RSA_PKCS1V15_2048_SHA256,
  PublicKeyDetails.PKIX_RSA_PKCS1V15_3072_SHA256,
  PublicKeyDetails.PKIX_RSA_PKCS1V15_4096_SHA256,
]);

/**
 * Parses and checks a trusted root.
 *
 * @example
 * const root = loadTrustedRoot(readFileSync('trusted_root.json'), 'trusted_root.json');
 */
export function loadTrustedRoot(bytes: Buffer, source: string): TrustedRoot {
  if (bytes.length > maxTrustedRootBytes) {
    throw new SignError(
      'LIMIT_EXCEEDED',
      `${source}: trusted root exceeds the limit of ${maxTrustedRootBytes} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(source, 'trusted root is not JSON', error);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(source, 'trusted root is not a JSON object');
  }
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !trustedRootMediaTypes.includes(mediaType)) {
    throw invalid(
      source,
      `trusted root has an unknown media type ${JSON.stringify(mediaType ?? null)}`,
    );
  }
  let root: ProtoTrustedRoot;
  try {
    root = ProtoTrustedRoot.fromJSON(json);
  } catch (error) {
    throw invalid(source, 'trusted root is malformed', error);
  }
  checkTrustedRoot(root, source);
  return { source, root };
}

/** Reads and checks a `trusted_root.json` file, refusing one larger than {@link maxTrustedRootBytes}. */
export async function loadTrustedRootFile(path: string): Promise<TrustedRoot> {
  let bytes: Buffer;
  try {
    bytes = await readFileBounded(path, maxTrustedRootBytes, path);
  } catch (error) {
    if (error instanceof LimitExceededError) {
      throw new SignError(
        'LIMIT_EXCEEDED',
        `${path}: trusted root exceeds the limit of ${maxTrustedRootBytes} bytes`,
      );
    }
    throw invalid(path, `trusted root cannot be read (${(error as Error).message})`, error);
  }
  return loadTrustedRoot(bytes, path);
}

/**
 * The protobuf message inside a {@link TrustedRoot}, checked again when it was not made by
 * {@link loadTrustedRoot} (the type is opaque, but a caller could build one by hand).
 */
export function protoTrustedRoot(trustedRoot: TrustedRoot): ProtoTrustedRoot {
  if (!checked.has(trustedRoot.root as object)) {
    checkTrustedRoot(trustedRoot.root as ProtoTrustedRoot, trustedRoot.source);
  }
  return trustedRoot.root as ProtoTrustedRoot;
}

const checked = new WeakSet<object>();

function checkTrustedRoot(root: ProtoTrustedRoot, source: string): void {
  if (typeof root !== 'object' || root === null || !Array.isArray(root.tlogs)) {
    throw invalid(source, 'not a trusted root');
  }
  root.tlogs.forEach((tlog, index) => checkLog(tlog, `${source}: tlogs[${index}]`));
  root.ctlogs.forEach((ctlog, index) => checkLog(ctlog, `${source}: ctlogs[${index}]`));
  root.certificateAuthorities.forEach((ca, index) =>
    checkAuthority(ca, `${source}: certificateAuthorities[${index}]`),
  );
  root.timestampAuthorities.forEach((tsa, index) =>
    checkAuthority(tsa, `${source}: timestampAuthorities[${index}]`),
  );
  checked.add(root);
}

function checkLog(log: TransparencyLogInstance, where: string): void {
  const key = log.publicKey;
  if (!key?.rawBytes || key.rawBytes.length === 0) throw invalid(where, 'has no public key');
  if (!log.logId?.keyId || log.logId.keyId.length === 0) throw invalid(where, 'has no log ID');
  // A key without a start of validity would be trusted for any time in the past: the
  // protobuf-specs comment makes `start` required, and the conformance suite tests it.
  if (!key.validFor?.start) throw invalid(where, 'public key has no validFor.start');
  try {
    sigstoreCrypto.createPublicKey(
      key.rawBytes,
      pkcs1KeyDetails.has(key.keyDetails) ? 'pkcs1' : 'spki',
    );
  } catch (error) {
    throw invalid(where, 'public key is not a valid key', error);
  }
}

function checkAuthority(authority: CertificateAuthority, where: string): void {
  const certificates = authority.certChain?.certificates ?? [];
  if (certificates.length === 0) throw invalid(where, 'has no certificate chain');
  if (!authority.validFor?.start) throw invalid(where, 'has no validFor.start');
  certificates.forEach((certificate, index) => {
    try {
      X509Certificate.parse(Buffer.from(certificate.rawBytes));
    } catch (error) {
      throw invalid(where, `certificate ${index} is not a valid X.509 certificate`, error);
    }
  });
}

function invalid(where: string, what: string, cause?: unknown): SignError {
  return new SignError('TRUSTED_ROOT_INVALID', `${where}: ${what}`, { cause });
}
