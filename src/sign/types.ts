/**
 * The shared vocabulary of `src/sign/`: keys, the payloads cosign signs, what a registry holds
 * for an image (before verification) and what verification concludes. Every part of the folder
 * (keys, payloads, bundles, OCI storage, verification, the image and blob operations) codes
 * against these types.
 */
import type { KeyObject } from 'node:crypto';

/** The key kinds Moat signs with (`ecdsa-p256` is the default) and verifies. */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa';

/** A private key ready to sign, with its public half. Never logged, never in an error message. */
export interface SigningKey {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A public key to verify with. */
export interface VerificationKey {
  algorithm: KeyAlgorithm;
  publicKey: KeyObject;
  /** Where it came from, for messages (`cosign.pub`, `env:MOAT_KEY`). */
  source: string;
  /**
   * The Sigstore bundle's `verificationMaterial.publicKey.hint` for this key, as cosign writes it
   * (see `keys/hint.ts`).
   */
  hint: string;
}

/** Supplies the password of an encrypted private key, asked for only when one is needed. */
export type PasswordSource = () => Promise<Buffer>;

/** cosign's simple-signing payload: what a legacy image signature signs. */
export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional?: Record<string, unknown> | null;
}

/** An in-toto Statement (v1; v0.1 read too): what attestations and bundle image signatures sign. */
export interface InTotoStatement {
  _type: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate?: unknown;
}

/** A DSSE envelope (JSON form). `payload` and `sig` are standard base64. */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

/** Signature or attestation. */
export type SignatureKind = 'signature' | 'attestation';

/** Where cosign stores it: `legacy` = the `sha256-<hex>.sig|.att` tag; `bundle` = an OCI 1.1 referrer. */
export type SignatureFormat = 'legacy' | 'bundle';

/** The image a signature is about: registry coordinates and the manifest digest that gets signed. */
export interface SignedImage {
  /** Registry host as in references (`127.0.0.1:5000`). */
  registry: string;
  /** Repository path (`library/app`). */
  repository: string;
  /** The manifest (or index) digest. */
  digest: string;
  /** The manifest's media type and size, for the referrer's `subject` descriptor. */
  mediaType: string;
  size: number;
  /** What goes in `docker-reference` (`registry/repository`, as cosign writes it). */
  dockerReference: string;
}

/** A legacy signature layer as found in a `.sig` or `.att` manifest, unverified. */
export interface LegacySignatureLayer {
  format: 'legacy';
  kind: SignatureKind;
  /** Where it was found, for messages (`127.0.0.1:5000/app:sha256-….sig layer 1`). */
  source: string;
  /** The layer's media type (`application/vnd.dev.cosign.simplesigning.v1+json`, `application/vnd.dsse.envelope.v1+json`). */
  mediaType: string;
  /** The layer blob: the simple-signing payload, or for attestations the DSSE envelope JSON. */
  payload: Buffer;
  /** The `dev.cosignproject.cosign/signature` annotation (base64; empty for attestations). */
  signature: string;
  /** Keyless material from the annotations, when present (PEM text; Rekor bundle JSON text). */
  certificate?: string;
  chain?: string;
  rekorBundle?: string;
  /** `dev.sigstore.cosign/rfc3161timestamp` (RFC 3161 timestamp JSON), when present. */
  timestamp?: string;
  annotations: Record<string, string>;
}

/** A Sigstore bundle found as a referrer of the image (or read from a file), unverified. */
export interface BundleSignature {
  format: 'bundle';
  kind: SignatureKind;
  source: string;
  /** The bundle JSON exactly as stored. */
  bundle: Buffer;
  /** The referrer manifest's annotations (`dev.sigstore.bundle.predicateType`, …); empty for files. */
  annotations: Record<string, string>;
}

/** Anything found for an image, before verification. */
export type FoundSignature = LegacySignatureLayer | BundleSignature;

/** Who signed, as verification established it. */
export type Signer =
  | { kind: 'key'; key: string }
  | { kind: 'certificate'; subject: string; issuer: string; certificate: string };

/** A signature that verified. */
export interface VerifiedSignature {
  format: SignatureFormat;
  kind: SignatureKind;
  source: string;
  signer: Signer;
  /** The verified payload: the simple-signing payload, or the in-toto statement. */
  payload: SimpleSigningPayload | InTotoStatement;
  /** Signing time from a transparency-log entry or RFC 3161 timestamp, ISO 8601, when present. */
  signedAt?: string;
  /** Annotations of the signature (legacy `optional`, or the referrer's). */
  annotations: Record<string, string>;
}

/** A signature that was found but did not verify, and why (one line). */
export interface RejectedSignature {
  format: SignatureFormat;
  kind: SignatureKind;
  source: string;
  reason: string;
}

/** What `verifyImage` and `verifyImageAttestations` conclude. */
export interface VerificationResult {
  /** The reference as given, and the digest that was verified. */
  reference: string;
  digest: string;
  verified: VerifiedSignature[];
  rejected: RejectedSignature[];
}

/** Identity policy for keyless (Fulcio certificate) signatures; cosign's flags. */
export interface IdentityPolicy {
  subject?: string;
  subjectRegExp?: string;
  issuer?: string;
  issuerRegExp?: string;
}

/**
 * What a signature must satisfy: one of the keys, or a certificate that chains to the trusted
 * root and matches the identity policy. At least one of `keys` and `trustedRoot` is set.
 */
export interface VerificationPolicy {
  keys?: VerificationKey[];
  /** Parsed `trusted_root.json` (`verify/trusted-root.ts`); required for keyless. */
  trustedRoot?: TrustedRoot;
  identity?: IdentityPolicy;
}

/** A parsed Sigstore trusted root; opaque outside `verify/`. */
export interface TrustedRoot {
  readonly source: string;
  /** The `@sigstore/protobuf-specs` TrustedRoot message. */
  readonly root: unknown;
}
