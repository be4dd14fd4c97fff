import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';

import { describe, expect, test } from 'vitest';

import { generateWebhookCertificates } from './certificates.js';

const dnsNames = ['moat.moat-system.svc', 'moat.moat-system.svc.cluster.local'];

describe('generateWebhookCertificates', () => {
  const certs = generateWebhookCertificates({ dnsNames, validityDays: 30 });

  test('the CA is a CA and signed the serving certificate, which names the service', () => {
    const ca = new X509Certificate(certs.caCertificate);
    const leaf = new X509Certificate(certs.certificate);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.checkHost('moat.moat-system.svc')).toBe('moat.moat-system.svc');
    expect(leaf.checkHost('moat.other.svc')).toBeUndefined();
    expect(leaf.subjectAltName).toBe(dnsNames.map((n) => `DNS:${n}`).join(', '));
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  test('openssl verifies the chain for TLS server use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-certs-'));
    try {
      await writeFile(join(dir, 'ca.pem'), certs.caCertificate);
      await writeFile(join(dir, 'leaf.pem'), certs.certificate);
      const { stdout } = await promisify(execFile)('openssl', [
        'verify',
        '-purpose',
        'sslserver',
        '-x509_strict',
        '-CAfile',
        join(dir, 'ca.pem'),
        join(dir, 'leaf.pem'),
      ]);
      expect(stdout).toContain('OK');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a TLS client trusting only the CA completes a handshake with the service name', async () => {
    const server = createServer({ cert: certs.certificate, key: certs.privateKey }, (_q, r) =>
      r.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port, servername: dnsNames[0], ca: certs.caCertificate },
          () => {
            resolve(socket.authorized);
            socket.end();
          },
        );
        socket.on('error', reject);
      });
      expect(authorized).toBe(true);
    } finally {
      server.close();
    }
  });
});
