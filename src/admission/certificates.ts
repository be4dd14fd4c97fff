/**
 * The certificates of the webhook: a CA generated for this installation (its certificate is the
 * webhooks' `caBundle`) and the serving certificate it signs for the Service's DNS names, both
 * ECDSA P-256 with SHA-256, written as DER by `der.ts` and signed with `node:crypto`. The API
 * server (Go's crypto/x509) checks the serving certificate's subjectAltName, never its CN.
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';

import {
  bits,
  boolean,
  explicit,
  integer,
  octets,
  oid,
  sequence,
  set,
  tlv,
  time,
  utf8,
  type Der,
} from './der.js';

/** A generated certificate authority and the serving certificate it signed, all PEM. */
export interface WebhookCertificates {
  caCertificate: string;
  /** The serving certificate (leaf only). */
  certificate: string;
  /** The serving certificate's private key, PKCS #8. */
  privateKey: string;
}

/** Options of {@link generateWebhookCertificates}. */
export interface CertificateOptions {
  /** DNS names of the serving certificate (the first is its CN too). */
  dnsNames: readonly string[];
  /** Days the serving certificate is valid (the CA lives ten years). */
  validityDays: number;
  now?: Date;
}

const oids = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

const dayMs = 86_400_000;

function name(commonName: string): Der {
  return sequence(
    set(sequence(oid(oids.organization), utf8('moat'))),
    set(sequence(oid(oids.commonName), utf8(commonName))),
  );
}

function extension(id: string, critical: boolean, value: Der): Der {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));
}

function keyIdOf(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

function serial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes;
}

interface Issued {
  subject: string;
  publicKey: KeyObject;
  issuer: { name: string; key: KeyObject; keyId: Buffer };
  notBefore: Date;
  notAfter: Date;
  extensions: Der[];
}

function issue(spec: Issued): string {
  const algorithm = sequence(oid(oids.ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial()),
    algorithm,
    name(spec.issuer.name),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...spec.extensions)),
  );
  const signature = sign('sha256', tbs, spec.issuer.key);
  const der = sequence(tbs, algorithm, bits(signature));
  const base64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

/**
 * Generates a CA and a serving certificate for `dnsNames`.
 * @example
 * const certs = generateWebhookCertificates({ dnsNames: ['moat.moat-system.svc'], validityDays: 730 });
 */
export function generateWebhookCertificates(options: CertificateOptions): WebhookCertificates {
  const now = options.now ?? new Date();
  // A minute of slack for clocks a little behind.
  const notBefore = new Date(now.getTime() - 60_000);
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKeyId = keyIdOf(ca.publicKey);
  const caName = `moat admission CA ${now.toISOString().slice(0, 10)}`;
  const caCertificate = issue({
    subject: caName,
    publicKey: ca.publicKey,
    issuer: { name: caName, key: ca.privateKey, keyId: caKeyId },
    notBefore,
    notAfter: new Date(now.getTime() + 3650 * dayMs),
    extensions: [
      extension(oids.basicConstraints, true, sequence(boolean(true), integer(0))),
      // keyCertSign (bit 5) and cRLSign (bit 6).
      extension(oids.keyUsage, true, bits(Buffer.from([0x06]), 1)),
      extension(oids.subjectKeyIdentifier, false, octets(caKeyId)),
    ],
  });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const [first = 'localhost'] = options.dnsNames;
  const certificate = issue({
    subject: first,
    publicKey: leaf.publicKey,
    issuer: { name: caName, key: ca.privateKey, keyId: caKeyId },
    notBefore,
    notAfter: new Date(now.getTime() + options.validityDays * dayMs),
    extensions: [
      extension(oids.basicConstraints, true, sequence()),
      // digitalSignature (bit 0): ECDHE key agreement is signed with the key.
      extension(oids.keyUsage, true, bits(Buffer.from([0x80]), 7)),
      extension(oids.extKeyUsage, false, sequence(oid(oids.serverAuth))),
      extension(
        oids.subjectAltName,
        false,
        sequence(...options.dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii')))),
      ),
      extension(
        oids.subjectKeyIdentifier,
        false,
        octets(keyIdOf(createPublicKey(leaf.privateKey))),
      ),
      extension(oids.authorityKeyIdentifier, false, sequence(tlv(0x80, caKeyId))),
    ],
  });
  return {
    caCertificate,
    certificate,
    privateKey: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
