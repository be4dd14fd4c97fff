/**
 * The gate over real parts on SQLite and PostgreSQL: stores, the scan service and its in-process
 * queue, the internal registry, the audit log, policies compiled by `policy/`. Pulls are decided
 * after the scan (waiting for it, running it at once), refused naming the rule, stored and reused;
 * `onPending` deny and allow; referrers pass; signatures (the registry's own signed attestations)
 * are verified through the internal registry; a push is judged on its config; a database change
 * re-makes the stored decisions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { AuditLog } from '../../auth/services.js';
import { pushLayout } from '../../jobs/__fixtures__/push-layout.js';
import { openScanWorld, type ScanWorld } from '../../jobs/__fixtures__/scan-stores.js';
import { openMemoryQueue } from '../../jobs/queue-memory.js';
import type { JobQueue } from '../../jobs/queue-types.js';
import { openScanService, type OpenScanService } from '../../jobs/scan-service.js';
import { parsePolicy } from '../../policy/index.js';
import { RegistryClient } from '../../registry-client/client.js';
import { putManifest } from '../../registry-client/write.js';
import { mediaTypes } from '../../image/media-types.js';
import type { PolicyDocument } from '../../policy/types.js';
import { selectDecision } from '../../store/gate/decisions.js';
import { signImage } from '../../sign/image.js';
import { importOsv } from '../../vulndb/index.js';
import { openGateService, type OpenGateService } from './service.js';

const repository = 'team/app';
const ociIndex = mediaTypes.ociIndex;

async function documentOf(yaml: string): Promise<PolicyDocument> {
  return (await parsePolicy(yaml, 'test policy', { allowFiles: false })).document;
}

const denyCritical = (extra = '') => `
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: production}
spec:
${extra}
  rules:
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
      message: no critical vulnerability with a fix
`;

describe.each(['sqlite', 'postgres'] as const)('GateService on %s', (engine) => {
  let world: ScanWorld;
  let queue: JobQueue;
  let scans: OpenScanService;
  let gate: OpenGateService;
  let audit: AuditLog;

  const open = (work: boolean) => {
    scans = openScanService({
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      database: world.stores.database,
      queue,
      scan: { cacheDir: world.cacheDir, offline: true },
      signer: { internal: world.internal, key: world.signing.key, toolVersion: 'test' },
      ...(work ? { work: { concurrency: 1 } } : {}),
      dbWatchMs: 0,
    });
    gate = openGateService({
      database: world.stores.database,
      meta: world.stores.meta,
      blobs: world.stores.blobs,
      scans,
      internal: world.internal,
      audit,
      config: { pendingTimeoutMs: 60_000 },
      registryHost: () => 'registry.example.com',
    });
  };

  const decisionsAudited = async (digest: string) => {
    await audit.flush();
    const entries = await audit.query({ action: 'gate.decision', limit: 1000 });
    return entries.filter((entry) => entry.target === `${repository}@${digest}`);
  };

  beforeEach(async () => {
    world = await openScanWorld(engine);
    queue = openMemoryQueue({ backoffMs: 10 });
    audit = world.context.audit as AuditLog;
  });
  afterEach(async () => {
    gate.close();
    scans.close();
    await queue.close(5000);
    await world.close();
  });

  it('passes every pull of a project without a policy', async () => {
    open(false);
    const digest = await pushLayout(world.internal, world.layout, repository, '1');
    expect(await gate.checkPull(repository, digest, 'alice')).toEqual({ allowed: true });
    expect(await scans.get(digest)).toBeUndefined();
  });

  it('waits for the scan, refuses naming the rule, stores the decision and reuses it', async () => {
    open(false); // nobody takes jobs: the pull runs the scan itself
    const digest = await pushLayout(world.internal, world.layout, repository, '1');
    const policy = await gate.setPolicy('team', await documentOf(denyCritical()), 'admin');
    expect((await gate.policyOf('team'))?.hash).toBe(policy.hash);

    const answer = await gate.checkPull(repository, digest, 'alice');
    expect(answer.allowed).toBe(false);
    if (answer.allowed) return;
    expect(answer.code).toBe('DENIED');
    expect(answer.message).toMatch(/^pull refused by policy "production": no-fixable-critical: /);
    expect(answer.message).toContain('CVE-2021-44906');
    expect(answer.decision?.reference).toBe(`registry.example.com/${repository}@${digest}`);

    const stored = await selectDecision(world.stores.database, 'team', digest);
    expect(stored).toMatchObject({ policyHash: policy.hash, allowed: false });
    const audited = await decisionsAudited(digest);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'system', outcome: 'denied' });
    expect(audited[0]?.details).toMatchObject({
      trigger: 'pull',
      requestedBy: 'alice',
      failed: 'no-fixable-critical',
      waitedFor: 'pending',
    });

    // The second pull reuses the stored decision: nothing new is evaluated or audited.
    const again = await gate.checkPull(repository, digest, 'bob');
    expect(again.allowed).toBe(false);
    expect(await decisionsAudited(digest)).toHaveLength(1);

    // A new policy forgets the old decisions.
    const lenient = (await documentOf(denyCritical())).spec.rules.map((rule) => ({
      ...rule,
      maxSeverity: { severity: 'CRITICAL' as const },
    }));
    const base = await documentOf(denyCritical());
    await gate.setPolicy('team', { ...base, spec: { ...base.spec, rules: lenient } }, 'admin');
    expect(await selectDecision(world.stores.database, 'team', digest)).toBeUndefined();
    expect((await gate.checkPull(repository, digest, 'bob')).allowed).toBe(true);
    expect(await gate.deletePolicy('team', 'admin')).toBe(true);
    expect(await gate.deletePolicy('team', 'admin')).toBe(false);
  });

  it('follows onPending deny and allow while the scan is queued', async () => {
    open(false);
    const digest = await pushLayout(world.internal, world.layout, repository, '1');
    await gate.setPolicy('team', await documentOf(denyCritical('  onPending: deny')), 'admin');
    const denied = await gate.checkPull(repository, digest, 'alice');
    expect(denied).toMatchObject({ allowed: false, code: 'DENIED' });
    if (!denied.allowed) expect(denied.message).toContain('onPending: deny');
    expect((await scans.get(digest))?.state).toBe('pending');

    await gate.setPolicy('team', await documentOf(denyCritical('  onPending: allow')), 'admin');
    expect(await gate.checkPull(repository, digest, 'alice')).toMatchObject({
      allowed: true,
      reason: 'scan pending; onPending: allow',
    });
    const audited = await decisionsAudited(digest);
    expect(audited.map((entry) => [entry.outcome, entry.details?.['onPending']])).toEqual([
      ['denied', 'deny'],
      ['success', 'allow'],
    ]);
  });

  it('passes referrers and verifies signed attestations through the internal registry', async () => {
    open(true);
    const digest = await pushLayout(world.internal, world.layout, repository, '1');
    await scans.request(repository, digest);
    expect(await queue.drain(60_000)).toBe(true);
    const key = world.signing.publicKeyPem
      .trim()
      .split('\n')
      .map((line) => `            ${line}`)
      .join('\n');
    const attested = `
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: attested}
spec:
  rules:
    - name: signed-and-scanned
      requireSignatures:
        minimum: 1
        attestations: [{type: vuln}]
        keys:
          - |
${key}
`;
    await gate.setPolicy('team', await documentOf(attested), 'admin');
    // The registry attested its scan, but nobody signed the image yet.
    const unsigned = await gate.checkPull(repository, digest, 'alice');
    expect(unsigned.allowed).toBe(false);
    if (!unsigned.allowed) expect(unsigned.message).toContain('signed-and-scanned');

    // A signature arrives (as the /v2 PUT route reports it): the decision is re-made.
    await signImage(`${world.internal.host}/${repository}@${digest}`, {
      key: world.signing.key,
      access: world.internal.access,
    });
    await gate.referrerPushed(repository, digest);
    expect(await gate.checkPull(repository, digest, 'alice')).toMatchObject({ allowed: true });
    const referrer = (await scans.get(digest))?.reportReferrer as string;
    expect(await gate.checkPull(repository, referrer, 'alice')).toMatchObject({
      allowed: true,
      reason: 'referrer manifests are not gated',
    });
    // The admission path: the same decision under any policy, not stored.
    const other = await parsePolicy(denyCritical(), 'admission policy', { allowFiles: false });
    const decision = await gate.decideStored(repository, digest, other);
    expect(decision.allowed).toBe(false);
    expect(decision.results.map((result) => result.rule)).toEqual(['no-fixable-critical']);
  });

  it('decides an index by its platform images, within a bound', async () => {
    open(false);
    const digest = await pushLayout(world.internal, world.layout, repository, '1');
    const manifest = (await world.stores.meta.getManifest(repository, digest)) as {
      mediaType: string;
      size: number;
    };
    const child = { mediaType: manifest.mediaType, digest, size: manifest.size };
    const client = new RegistryClient({
      host: world.internal.host,
      insecure: true,
      ...(world.internal.access.fetch ? { fetch: world.internal.access.fetch } : {}),
    });
    const pushIndex = async (tag: string, count: number) => {
      const index = {
        schemaVersion: 2,
        mediaType: ociIndex,
        manifests: Array.from({ length: count }, (_, i) => ({
          ...child,
          platform: { architecture: `arch${i}`, os: 'linux' },
        })),
      };
      const bytes = Buffer.from(JSON.stringify(index));
      return (await putManifest(client, repository, tag, ociIndex, bytes)).digest;
    };
    await gate.setPolicy('team', await documentOf(denyCritical()), 'admin');

    const index = await pushIndex('multi', 2);
    const answer = await gate.checkPull(repository, index, 'alice');
    expect(answer.allowed).toBe(false);
    if (!answer.allowed) {
      expect(answer.message).toMatch(
        new RegExp(
          `^platform image ${digest}: pull refused by policy "production": no-fixable-critical`,
        ),
      );
    }
    const policy = await parsePolicy(denyCritical(), 'admission policy', { allowFiles: false });
    const decided = await gate.decideStored(repository, index, policy);
    expect(decided).toMatchObject({ digest: index, allowed: false });

    const huge = await pushIndex('huge', 65);
    const refused = await gate.checkPull(repository, huge, 'alice');
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.message).toContain('names 65 platform images');
  });

  it('judges a push on its config only when onPush is deny', async () => {
    open(false);
    const digest = await pushLayout(world.internal, world.layout, repository, '1');
    const manifest = (await world.stores.meta.getManifest(repository, digest))?.content as Buffer;
    const strict = `
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: strict}
spec:
  onPush: deny
  rules:
    - name: non-root
      nonRoot: true
    - name: no-fixable-critical
      maxSeverity: {severity: HIGH, ignoreUnfixed: true}
`;
    await gate.setPolicy('team', await documentOf(strict), 'admin');
    const answer = await gate.checkPush(repository, digest, manifest, 'alice');
    expect(answer.allowed).toBe(false);
    if (!answer.allowed) {
      expect(answer.message).toMatch(/^push refused by policy "strict": non-root: /);
      // Vulnerabilities are for the pull, after the scan.
      expect(answer.message).not.toContain('no-fixable-critical');
    }
    await gate.setPolicy('team', await documentOf(strict.replace('onPush: deny', '')), 'admin');
    expect((await gate.checkPush(repository, digest, manifest, 'alice')).allowed).toBe(true);
  });

  it('re-makes stored decisions when a database change re-matches the scan', async () => {
    open(true);
    const digest = await pushLayout(world.internal, world.layout, repository, '1');
    const lenient = denyCritical().replace(
      'severity: HIGH, ignoreUnfixed: true',
      'severity: CRITICAL',
    );
    const withLodashRule = `${lenient}    - name: no-forbidden-advisory
      expression: '!scan.vulnerabilities.exists(v, v.id == "CVE-2099-0002")'
`;
    await gate.setPolicy('team', await documentOf(withLodashRule), 'admin');
    expect((await gate.checkPull(repository, digest, 'alice')).allowed).toBe(true);

    const records = join(world.dir, 'late-records');
    await mkdir(records, { recursive: true });
    await writeFile(
      join(records, 'late.json'),
      JSON.stringify({
        schema_version: '1.6.0',
        id: 'GHSA-late-0002',
        aliases: ['CVE-2099-0002'],
        modified: '2025-06-01T00:00:00Z',
        affected: [
          {
            package: { ecosystem: 'npm', name: 'lodash' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
          },
        ],
      }),
    );
    await importOsv(join(world.cacheDir, 'db', 'moat-vuln.db'), [records]);
    await scans.rescan('test');
    let stored = await selectDecision(world.stores.database, 'team', digest);
    for (let i = 0; i < 200 && stored?.allowed !== false; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = await selectDecision(world.stores.database, 'team', digest);
    }
    expect(stored?.allowed).toBe(false);
    const audited = await decisionsAudited(digest);
    expect(audited.at(-1)?.details).toMatchObject({
      trigger: 'rescan',
      failed: 'no-forbidden-advisory',
    });
    expect((await gate.checkPull(repository, digest, 'alice')).allowed).toBe(false);
  });
});
