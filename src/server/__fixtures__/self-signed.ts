/**
 * A self-signed certificate for 127.0.0.1 and localhost made with Debian's openssl, for the tests
 * of `moat serve` over TLS.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Paths of the PEM files written. */
export interface SelfSigned {
  certFile: string;
  keyFile: string;
}

/** Writes `cert.pem` and `key.pem` (EC P-256, one day) into `dir`. */
export function makeSelfSigned(dir: string, name = 'server'): SelfSigned {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}
