/**
 * The signing issue's "done when", end to end with the built `moat` and real registries: a key
 * pair from `moat key generate`; images pushed with skopeo to `moat serve` and to Debian's
 * `docker-registry` (CNCF Distribution, no referrers API: bundles go through the tag-schema
 * fallback); `moat sign` in both storage formats, `moat attest` with an SBOM and a vulnerability
 * predicate that Moat itself produced, `moat verify` and `verify-attestation` (exit 0), a wrong key
 * (exit 3), and tampering: another image re-tagged under the signed tag fails verification (exit 3).
 * A legacy signature is checked by `openssl dgst -sha256 -verify` over the payload exactly as the
 * registry holds it, so the format is proven by an independent verifier.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { scanRecords } from '../../src/__fixtures__/scan-image.js';
import { moat, type MoatRun } from './cli.js';
import { startRegistry, type TestCredentials, type TestRegistry } from './registry-harness.js';
import { requireTools } from './require-tools.js';
import { buildUmociImage, makeWorkDir, Skopeo, taggedDescriptor } from './serve-clients.js';
import { startMoatServe, type MoatServer } from './serve-harness.js';

requireTools(['skopeo', 'umoci', 'docker-registry', 'openssl']);

const run = promisify(execFile);
const password = 'e2e-signing-key-password';
const keyEnv = { MOAT_PASSWORD: password };

let work: string;
let layout: string;
let keyPrefix: string;
let otherKeyPrefix: string;
let sbomFile: string;
let vulnFile: string;

beforeAll(async () => {
  work = (await makeWorkDir('sign')).dir;
  layout = join(work, 'layout');
  await buildUmociImage(layout, 'app', [
    {
      'etc/app.conf': 'signed application\n',
      'srv/node_modules/lodash/package.json': JSON.stringify({
        name: 'lodash',
        version: '4.17.20',
      }),
    },
  ]);
  await buildUmociImage(layout, 'other', [{ 'etc/other.conf': 'an impostor\n' }]);
  keyPrefix = join(work, 'release');
  otherKeyPrefix = join(work, 'stranger');
  expectCode(await moat(['key', 'generate', '--output-key-prefix', keyPrefix], keyEnv), 0);
  expectCode(await moat(['key', 'generate', '--output-key-prefix', otherKeyPrefix], keyEnv), 0);
  // The vulnerability predicate comes from a real scan against a database imported offline.
  const records = join(work, 'records');
  await mkdir(records);
  for (const record of scanRecords) {
    await writeFile(join(records, `${record.id}.json`), JSON.stringify(record));
  }
  const dbEnv = { MOAT_CACHE_DIR: join(work, 'cache') };
  expectCode(await moat(['db', 'import', records, '-q'], dbEnv), 0);
  sbomFile = join(work, 'sbom.cdx.json');
  vulnFile = join(work, 'vuln.json');
  expectCode(
    await moat(['sbom', `oci:${layout}:app`, '--format', 'cyclonedx-json', '-o', sbomFile]),
    0,
  );
  expectCode(
    await moat(
      ['scan', `oci:${layout}:app`, '--offline', '--format', 'cosign-vuln', '-o', vulnFile],
      dbEnv,
    ),
    0,
  );
  const predicate = JSON.parse(await readFile(vulnFile, 'utf8')) as {
    scanner: { result: { vulnerabilities?: { id: string }[] } };
  };
  expect(predicate.scanner.result.vulnerabilities?.length).toBeGreaterThan(0);
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function expectCode(result: MoatRun, code: number): MoatRun {
  if (result.code !== code) {
    throw new Error(
      `moat exited ${result.code}, expected ${code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result;
}

interface Target {
  /** `host/repository` prefix for references. */
  prefix: string;
  credentials?: TestCredentials;
  skopeo: Skopeo;
}

function registryFlags(target: Target): string[] {
  return target.credentials === undefined
    ? []
    : ['--username', target.credentials.username, '--password', target.credentials.password];
}

/** One verified signature as `moat verify --output json` prints it. */
interface VerifiedJson {
  format: string;
  kind: string;
}

function verifiedOf(result: MoatRun): VerifiedJson[] {
  const parsed = JSON.parse(result.stdout) as { verified?: VerifiedJson[] } | VerifiedJson[];
  return Array.isArray(parsed) ? parsed : (parsed.verified ?? []);
}

/** The whole scenario against one registry. */
function signingScenario(name: string, start: () => Promise<Target & { stop(): Promise<void> }>) {
  describe(`signing against ${name}`, () => {
    let target: Target & { stop(): Promise<void> };
    let app: string;

    beforeAll(async () => {
      target = await start();
      app = `${target.prefix}/signed/app:1`;
      await target.skopeo.mustCopy(`oci:${layout}:app`, `docker://${app}`);
      await target.skopeo.mustCopy(
        `oci:${layout}:other`,
        `docker://${target.prefix}/signed/other:1`,
      );
    }, 300_000);

    afterAll(async () => {
      await target.stop();
    });

    it('signs by digest in both storage formats and verifies each with the public key', async () => {
      const flags = registryFlags(target);
      const bundle = expectCode(
        await moat(['sign', '--key', `${keyPrefix}.key`, ...flags, app], keyEnv),
        0,
      );
      // A tag is resolved first, with a warning that the digest is what gets signed.
      expect(bundle.stderr).toMatch(/sha256:[0-9a-f]{64}/);
      expectCode(
        await moat(
          [
            'sign',
            '--key',
            `${keyPrefix}.key`,
            '--signature-format',
            'legacy',
            '--annotations',
            'team=payments',
            ...flags,
            app,
          ],
          keyEnv,
        ),
        0,
      );
      const verified = expectCode(
        await moat(['verify', '--key', `${keyPrefix}.pub`, '--output', 'json', ...flags, app]),
        0,
      );
      const formats = verifiedOf(verified).map((entry) => entry.format);
      expect(formats).toContain('legacy');
      expect(formats).toContain('bundle');
    });

    it('refuses a key that did not sign (exit 3, a reason per signature)', async () => {
      const result = expectCode(
        await moat(['verify', '--key', `${otherKeyPrefix}.pub`, ...registryFlags(target), app]),
        3,
      );
      expect(result.stderr.length).toBeGreaterThan(0);
    });

    it('attests an SBOM and a vulnerability report and verifies them by type', async () => {
      const flags = registryFlags(target);
      for (const format of ['bundle', 'legacy']) {
        expectCode(
          await moat(
            [
              'attest',
              '--key',
              `${keyPrefix}.key`,
              '--predicate',
              sbomFile,
              '--type',
              'cyclonedx',
              '--signature-format',
              format,
              ...flags,
              app,
            ],
            keyEnv,
          ),
          0,
        );
      }
      expectCode(
        await moat(
          [
            'attest',
            '--key',
            `${keyPrefix}.key`,
            '--predicate',
            vulnFile,
            '--type',
            'vuln',
            ...flags,
            app,
          ],
          keyEnv,
        ),
        0,
      );
      const sbom = expectCode(
        await moat([
          'verify-attestation',
          '--key',
          `${keyPrefix}.pub`,
          '--type',
          'cyclonedx',
          '--output',
          'json',
          ...flags,
          app,
        ]),
        0,
      );
      const formats = verifiedOf(sbom).map((entry) => entry.format);
      expect(formats).toEqual(expect.arrayContaining(['bundle', 'legacy']));
      expectCode(
        await moat([
          'verify-attestation',
          '--key',
          `${keyPrefix}.pub`,
          '--type',
          'vuln',
          ...flags,
          app,
        ]),
        0,
      );
      // No SLSA provenance was attested: nothing verifies for that type.
      expectCode(
        await moat([
          'verify-attestation',
          '--key',
          `${keyPrefix}.pub`,
          '--type',
          'slsaprovenance',
          ...flags,
          app,
        ]),
        3,
      );
    });

    it('fails verification once another image is re-tagged under the signed tag', async () => {
      const flags = registryFlags(target);
      const tampered = `${target.prefix}/signed/app:2`;
      await target.skopeo.mustCopy(`oci:${layout}:app`, `docker://${tampered}`);
      expectCode(await moat(['sign', '--key', `${keyPrefix}.key`, ...flags, tampered], keyEnv), 0);
      expectCode(await moat(['verify', '--key', `${keyPrefix}.pub`, ...flags, tampered]), 0);
      await target.skopeo.mustCopy(
        `docker://${target.prefix}/signed/other:1`,
        `docker://${tampered}`,
      );
      expectCode(await moat(['verify', '--key', `${keyPrefix}.pub`, ...flags, tampered]), 3);
    });
  });
}

signingScenario('moat serve', async () => {
  const server: MoatServer = await startMoatServe();
  const skopeo = new Skopeo(join(work, 'auth-moat.json'));
  await skopeo.login(server.host, server.credentials);
  return {
    prefix: server.host,
    credentials: server.credentials,
    skopeo,
    stop: () => server.stop(),
  };
});

signingScenario("Debian's docker-registry", async () => {
  const registry: TestRegistry = await startRegistry();
  const skopeo = new Skopeo(join(work, 'auth-distribution.json'));
  return { prefix: registry.host, skopeo, stop: () => registry.stop() };
});

describe('an independent verifier', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry();
  });

  afterAll(async () => {
    await registry.stop();
  });

  it('openssl verifies a legacy signature over the simple-signing payload as stored', async () => {
    const skopeo = new Skopeo(join(work, 'auth-openssl.json'));
    const app = `${registry.host}/openssl/app:1`;
    await skopeo.mustCopy(`oci:${layout}:app`, `docker://${app}`);
    expectCode(
      await moat(
        ['sign', '--key', `${keyPrefix}.key`, '--signature-format', 'legacy', app],
        keyEnv,
      ),
      0,
    );
    const { digest } = await taggedDescriptor(layout, 'app');
    const sigTag = `${digest.replace(':', '-')}.sig`;
    const manifest = (await getJson(
      `http://${registry.host}/v2/openssl/app/manifests/${sigTag}`,
    )) as {
      layers: { digest: string; mediaType: string; annotations: Record<string, string> }[];
    };
    expect(manifest.layers).toHaveLength(1);
    const layer = manifest.layers[0];
    if (layer === undefined) throw new Error('no signature layer');
    expect(layer.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    const payload = Buffer.from(
      await (
        await fetch(`http://${registry.host}/v2/openssl/app/blobs/${layer.digest}`)
      ).arrayBuffer(),
    );
    expect(`sha256:${createHash('sha256').update(payload).digest('hex')}`).toBe(layer.digest);
    const parsed = JSON.parse(payload.toString('utf8')) as {
      critical: { image: { 'docker-manifest-digest': string }; type: string };
    };
    expect(parsed.critical.image['docker-manifest-digest']).toBe(digest);
    expect(parsed.critical.type).toBe('cosign container image signature');
    const signature = layer.annotations['dev.cosignproject.cosign/signature'] ?? '';
    await writeFile(join(work, 'payload.json'), payload);
    await writeFile(join(work, 'payload.sig'), Buffer.from(signature, 'base64'));
    const verified = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      `${keyPrefix}.pub`,
      '-signature',
      join(work, 'payload.sig'),
      join(work, 'payload.json'),
    ]);
    expect(verified.stdout).toContain('Verified OK');
  });

  it('signs and verifies a blob with a bundle; an altered blob fails (exit 3)', async () => {
    const blob = join(work, 'release.tar');
    const bundle = join(work, 'release.sigstore.json');
    await writeFile(blob, 'release artefact\n');
    expectCode(
      await moat(['sign-blob', '--key', `${keyPrefix}.key`, '--bundle', bundle, blob], keyEnv),
      0,
    );
    const written = JSON.parse(await readFile(bundle, 'utf8')) as { mediaType: string };
    expect(written.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expectCode(
      await moat(['verify-blob', '--key', `${keyPrefix}.pub`, '--bundle', bundle, blob]),
      0,
    );
    await writeFile(blob, 'release artefact, altered\n');
    expectCode(
      await moat(['verify-blob', '--key', `${keyPrefix}.pub`, '--bundle', bundle, blob]),
      3,
    );
  });

  it('refuses a wrong password for the encrypted key (exit 2)', async () => {
    const result = await moat(
      [
        'sign-blob',
        '--key',
        `${keyPrefix}.key`,
        '--bundle',
        join(work, 'x.json'),
        `${keyPrefix}.pub`,
      ],
      { MOAT_PASSWORD: 'not the password' },
    );
    expectCode(result, 2);
    expect(result.stderr).not.toContain('PRIVATE KEY');
  });
});

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}
