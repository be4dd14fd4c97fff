/**
 * The certificates of the webhook: a CA generated for this installation (its certificate is the
 * webhooks' `caBundle`) and the serving certificate it signs for the Service's DNS names, both
 * ECDSA P-256 with SHA-256. The structures are `@peculiar/asn1-x509`'s (RFC 5280 ASN.1 schemas,
 * DER by `@peculiar/asn1-schema`); keys and signatures are `node:crypto`'s, so generation stays
 * synchronous and needs no WebCrypto provider or Reflect polyfill. The API server (Go's
 * crypto/x509) checks the serving certificate's subjectAltName, never its CN.
 */
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';

import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

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

const ecdsaWithSha256 = '1.2.840.10045.4.3.2';
const commonName = '2.5.4.3';
const organization = '2.5.4.10';

const dayMs = 86_400_000;

function name(cn: string): Name {
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  return new Name([rdn(organization, 'moat'), rdn(commonName, cn)]);
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({
    extnID,
    critical,
    extnValue: new OctetString(AsnConvert.serialize(value)),
  });
}

function spkiOf(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

function keyIdOf(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(spkiOf(publicKey)).digest();
}

function serial(): Buffer {
  const bytes = randomBytes(16);
  // Positive, and without a leading zero byte DER would have to drop.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes;
}

interface Issued {
  subject: string;
  publicKey: KeyObject;
  issuer: { name: string; key: KeyObject };
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

function issue(spec: Issued): string {
  const algorithm = new AlgorithmIdentifier({ algorithm: ecdsaWithSha256 });
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial()).buffer,
    signature: algorithm,
    issuer: name(spec.issuer.name),
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: name(spec.subject),
    subjectPublicKeyInfo: AsnConvert.parse(spkiOf(spec.publicKey), SubjectPublicKeyInfo),
    extensions: new Extensions(spec.extensions),
  });
  const signature = sign(
    'sha256',
    Buffer.from(AsnConvert.serialize(tbsCertificate)),
    spec.issuer.key,
  );
  const der = AsnConvert.serialize(
    new Certificate({
      tbsCertificate,
      signatureAlgorithm: algorithm,
      signatureValue: new Uint8Array(signature).buffer,
    }),
  );
  return new X509Certificate(Buffer.from(der)).toString();
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
    issuer: { name: caName, key: ca.privateKey },
    notBefore,
    notAfter: new Date(now.getTime() + 3650 * dayMs),
    extensions: [
      extension(
        id_ce_basicConstraints,
        true,
        new BasicConstraints({ cA: true, pathLenConstraint: 0 }),
      ),
      extension(
        id_ce_keyUsage,
        true,
        new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign),
      ),
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(caKeyId)),
    ],
  });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const [first = 'localhost'] = options.dnsNames;
  const certificate = issue({
    subject: first,
    publicKey: leaf.publicKey,
    issuer: { name: caName, key: ca.privateKey },
    notBefore,
    notAfter: new Date(now.getTime() + options.validityDays * dayMs),
    extensions: [
      extension(id_ce_basicConstraints, true, new BasicConstraints()),
      // digitalSignature: ECDHE key agreement is signed with the key.
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
      extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth])),
      extension(
        id_ce_subjectAltName,
        false,
        new SubjectAlternativeName(options.dnsNames.map((dNSName) => new GeneralName({ dNSName }))),
      ),
      extension(
        id_ce_subjectKeyIdentifier,
        false,
        new SubjectKeyIdentifier(keyIdOf(leaf.publicKey)),
      ),
      extension(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(caKeyId) }),
      ),
    ],
  });
  return {
    caCertificate,
    certificate,
    privateKey: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
