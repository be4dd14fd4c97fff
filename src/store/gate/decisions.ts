/**
 * Queries of `gate_decisions` (migration `0003_gate`): the last decision a project's policy made
 * about a manifest digest, with the policy hash it was made under (a decision under another hash
 * is stale), the same statements on SQLite and PostgreSQL.
 */
import type { StoreDatabase } from '../metadata/database.js';
import { toNumber } from '../metadata/schema.js';

/** A stored decision. */
export interface DecisionRow {
  project: string;
  digest: string;
  policyHash: string;
  allowed: boolean;
  /** The `Decision` as JSON text. */
  decision: string;
  /** Milliseconds since the epoch. */
  evaluatedAt: number;
}

/** The project's stored decision about `digest`, or undefined. */
export function selectDecision(
  store: StoreDatabase,
  project: string,
  digest: string,
): Promise<DecisionRow | undefined> {
  return store.read(async (db) => {
    const row = await db
      .selectFrom('gate_decisions')
      .selectAll()
      .where('project', '=', project)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row && toRow(row);
  });
}

/** The projects holding a stored decision about `digest` (to re-decide after a change). */
export function selectDecisionProjects(store: StoreDatabase, digest: string): Promise<string[]> {
  return store.read(async (db) => {
    const rows = await db
      .selectFrom('gate_decisions')
      .select('project')
      .where('digest', '=', digest)
      .orderBy('project')
      .execute();
    return rows.map((row) => row.project);
  });
}

/** Stores (or replaces) a decision. */
export async function upsertDecision(store: StoreDatabase, row: DecisionRow): Promise<void> {
  const values = {
    policy_hash: row.policyHash,
    allowed: row.allowed ? 1 : 0,
    decision: row.decision,
    evaluated_at: row.evaluatedAt,
  };
  await store.writeOne((db) =>
    db
      .insertInto('gate_decisions')
      .values({ project: row.project, digest: row.digest, ...values })
      .onConflict((oc) => oc.columns(['project', 'digest']).doUpdateSet(values))
      .execute(),
  );
}

/**
 * Forgets decisions: every one of a project (its policy changed or went), or its one about a
 * digest (a signature or attestation of it arrived). Resolves to the number removed.
 */
export async function deleteDecisions(
  store: StoreDatabase,
  where: { project: string; digest?: string },
): Promise<number> {
  const result = await store.writeOne((db) => {
    let query = db.deleteFrom('gate_decisions').where('project', '=', where.project);
    if (where.digest !== undefined) query = query.where('digest', '=', where.digest);
    return query.executeTakeFirst();
  });
  return Number(result.numDeletedRows);
}

function toRow(row: {
  project: string;
  digest: string;
  policy_hash: string;
  allowed: number;
  decision: string;
  evaluated_at: number | string;
}): DecisionRow {
  return {
    project: row.project,
    digest: row.digest,
    policyHash: row.policy_hash,
    allowed: row.allowed === 1 || String(row.allowed) === '1',
    decision: row.decision,
    evaluatedAt: toNumber(row.evaluated_at),
  };
}
