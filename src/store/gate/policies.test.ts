/**
 * The gate's own queries (`policies.ts`, `decisions.ts`) on SQLite and PostgreSQL: a project's
 * policy is stored, replaced and removed; decisions are kept per (project, digest) with their
 * policy hash, replaced in place, listed by digest and forgotten per project or per digest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openMetadataStore } from '../metadata/open.js';
import { createTestDatabase, type TestDatabase } from '../metadata/test-database.js';
import type { StoreDatabase } from '../metadata/database.js';
import type { MetadataStore } from '../types.js';
import {
  deleteDecisions,
  selectDecision,
  selectDecisionProjects,
  upsertDecision,
} from './decisions.js';
import { deletePolicy, selectPolicy, upsertPolicy } from './policies.js';

const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

describe.each(['sqlite', 'postgres'] as const)('gate queries on %s', (engine) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  let meta: MetadataStore & { database: StoreDatabase };
  let database: StoreDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-gate-store-'));
    if (engine === 'postgres') pg = await createTestDatabase();
    meta = await openMetadataStore(
      pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite', path: join(dir, 'moat.db') },
    );
    database = meta.database;
  });

  afterAll(async () => {
    await meta.close();
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores, replaces and removes a project policy', async () => {
    expect(await selectPolicy(database, 'team')).toBeUndefined();
    await upsertPolicy(database, {
      project: 'team',
      document: '{"a":1}',
      hash: 'h1',
      now: 1000,
      actor: 'alice',
    });
    await upsertPolicy(database, {
      project: 'other',
      document: '{}',
      hash: 'h0',
      now: 1000,
      actor: 'bob',
    });
    await upsertPolicy(database, {
      project: 'team',
      document: '{"a":2}',
      hash: 'h2',
      now: 2000,
      actor: 'carol',
    });
    expect(await selectPolicy(database, 'team')).toEqual({
      project: 'team',
      document: '{"a":2}',
      hash: 'h2',
      updatedAt: new Date(2000),
      updatedBy: 'carol',
    });
    expect(await deletePolicy(database, 'team')).toBe(true);
    expect(await deletePolicy(database, 'team')).toBe(false);
    expect(await selectPolicy(database, 'team')).toBeUndefined();
    expect((await selectPolicy(database, 'other'))?.hash).toBe('h0');
  });

  it('keeps one decision per project and digest, and forgets them by project or digest', async () => {
    const row = (project: string, n: number, allowed: boolean, hash = 'h') => ({
      project,
      digest: digest(n),
      policyHash: hash,
      allowed,
      decision: JSON.stringify({ allowed, n }),
      evaluatedAt: 5000 + n,
    });
    await upsertDecision(database, row('a', 1, true));
    await upsertDecision(database, row('a', 1, false, 'h2'));
    await upsertDecision(database, row('a', 2, true));
    await upsertDecision(database, row('b', 1, true));
    expect(await selectDecision(database, 'a', digest(1))).toEqual(row('a', 1, false, 'h2'));
    expect(await selectDecisionProjects(database, digest(1))).toEqual(['a', 'b']);
    expect(await deleteDecisions(database, { project: 'a', digest: digest(1) })).toBe(1);
    expect(await selectDecision(database, 'a', digest(1))).toBeUndefined();
    expect(await selectDecision(database, 'a', digest(2))).toBeDefined();
    expect(await deleteDecisions(database, { project: 'a' })).toBe(1);
    expect(await selectDecisionProjects(database, digest(1))).toEqual(['b']);
    expect(await selectDecisionProjects(database, digest(2))).toEqual([]);
  });
});
