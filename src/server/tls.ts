/**
 * The TLS certificate and key of `moat serve`, read and checked at start: both files exist, the
 * certificate parses as X.509, the key as a private key, and the key belongs to the certificate,
 * so that a mistake stops the start with a message naming the key instead of failing every
 * handshake later. Key material never appears in a message.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { MoatError } from '../errors.js';

/** The PEM bytes Node's `https` server takes. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The largest certificate chain or key file read. */
const maxPemBytes = 1024 * 1024;

/**
 * Reads and checks the certificate chain and key; throws `CONFIG_INVALID` naming the key as
 * `names` gives it (`--tls-cert`, `tls.keyFile in moat.yaml`, …).
 * @example const { cert, key } = readTlsFiles(config.tls, { cert: 'tls.certFile', key: 'tls.keyFile' });
 */
export function readTlsFiles(
  files: { certFile: string; keyFile: string },
  names: { cert: string; key: string } = { cert: 'tls.certFile', key: 'tls.keyFile' },
): TlsFiles {
  const cert = readPem(files.certFile, names.cert);
  const key = readPem(files.keyFile, names.key);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (cause) {
    throw new MoatError(
      'CONFIG_INVALID',
      `${names.cert}: ${files.certFile} is not a PEM certificate`,
      { cause },
    );
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    // The cause is left out on purpose: it could quote the key file's contents.
    throw new MoatError(
      'CONFIG_INVALID',
      `${names.key}: ${files.keyFile} is not a PEM private key`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new MoatError(
      'CONFIG_INVALID',
      `${names.key}: ${files.keyFile} is not the key of the certificate in ${files.certFile}`,
    );
  }
  return { cert, key };
}

function readPem(path: string, name: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new MoatError('CONFIG_INVALID', `${name}: cannot read ${path} (${code})`, { cause });
  }
  if (bytes.length > maxPemBytes) {
    throw new MoatError('CONFIG_INVALID', `${name}: ${path} is larger than ${maxPemBytes} bytes`);
  }
  return bytes;
}
