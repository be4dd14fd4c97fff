/**
 * `moat serve` over TLS (`--tls-cert`/`--tls-key`) with a CA and a server certificate generated
 * by openssl here: skopeo trusting that CA (a certificate directory holding `ca.crt`) logs in and
 * copies an OCI layout in and back out with identical digests; without the CA it refuses.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildOciLayout } from './registry-harness.js';
import { requireTools } from './require-tools.js';
import { imageBlobs, makeWorkDir, mustRun, runTool, Skopeo } from './serve-clients.js';
import { startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo', 'umoci', 'openssl']);

let work: string;
let server: MoatServer;
let trusting: Skopeo;
let layout: string;

/** A CA, and a server certificate for 127.0.0.1 it signed; returns the directory for skopeo. */
async function makeCertificates(
  dir: string,
): Promise<{ certDir: string; cert: string; key: string }> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const certDir = join(dir, 'certs.d');
  await mkdir(certDir);
  const caKey = join(dir, 'ca.key');
  const caCert = join(certDir, 'ca.crt');
  await mustRun('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    '2',
    '-subj',
    '/CN=moat e2e CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.crt');
  await mustRun('openssl', ['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  const extensions = join(dir, 'server.ext');
  await writeFile(
    extensions,
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await mustRun('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-set_serial',
    '1',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    extensions,
  ]);
  return { certDir, cert, key };
}

beforeAll(async () => {
  ({ dir: work } = await makeWorkDir('serve-tls'));
  const { certDir, cert, key } = await makeCertificates(work);
  trusting = new Skopeo(join(work, 'auth.json'), certDir);
  layout = join(work, 'layout');
  await buildOciLayout(layout, [
    { tag: 'app', files: { 'etc/os-release': 'ID=tls\n', 'srv/payload': 'x'.repeat(50_000) } },
  ]);
  server = await startMoatServe({ args: ['--tls-cert', cert, '--tls-key', key] });
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('moat serve over TLS', () => {
  it('prints an https URL when given a certificate and key', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('is refused by skopeo that does not trust the generated CA', async () => {
    const result = await runTool('skopeo', [
      'login',
      '--authfile',
      join(work, 'untrusting.json'),
      '--tls-verify=true',
      '--username',
      server.credentials.username,
      '--password',
      server.credentials.password,
      server.host,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate|x509/i);
  });

  it('copies an OCI layout in and back out with identical digests, verifying the certificate', async () => {
    await trusting.login(server.host, server.credentials);
    await trusting.mustCopy(`oci:${layout}:app`, `docker://${server.host}/tls/app:1`);
    const out = join(work, 'out');
    await trusting.mustCopy(`docker://${server.host}/tls/app:1`, `oci:${out}:app`);
    expect(await imageBlobs(out, 'app')).toEqual(await imageBlobs(layout, 'app'));
  });
});
