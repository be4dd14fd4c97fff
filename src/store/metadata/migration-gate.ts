/**
 * Migration `0003_gate`: the compliance gate's tables of `schema-gate.ts`. Released migrations
 * never change; a later change is a new migration.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';

type Column = (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

/** Column builders that differ by engine (see `migrations.ts`). */
interface ColumnKinds {
  text: Column;
  nullableText: Column;
  binary: 'blob' | 'bytea';
}

/** The `0003_gate` migration. */
export function gateMigration({ text, nullableText, binary }: ColumnKinds): Migration {
  const required: Column = (col) => col.notNull();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('artifact_scans')
        .ifNotExists()
        .addColumn('digest', 'text', (col) => text(col).primaryKey())
        .addColumn('repository', 'text', text)
        .addColumn('state', 'text', text)
        .addColumn('attempts', 'integer', required)
        .addColumn('error', 'text', nullableText)
        .addColumn('inventory', binary)
        .addColumn('findings', binary)
        .addColumn('summary', 'text', nullableText)
        .addColumn('db_version', 'text', nullableText)
        .addColumn('sbom_referrer', 'text', nullableText)
        .addColumn('report_referrer', 'text', nullableText)
        .addColumn('created_at', 'bigint', required)
        .addColumn('updated_at', 'bigint', required)
        .addColumn('scanned_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('artifact_scans_state')
        .ifNotExists()
        .on('artifact_scans')
        .columns(['state', 'updated_at'])
        .execute();

      await db.schema
        .createTable('project_policies')
        .ifNotExists()
        .addColumn('project', 'text', (col) => text(col).primaryKey())
        .addColumn('document', 'text', text)
        .addColumn('hash', 'text', text)
        .addColumn('updated_at', 'bigint', required)
        .addColumn('updated_by', 'text', text)
        .execute();

      await db.schema
        .createTable('gate_decisions')
        .ifNotExists()
        .addColumn('project', 'text', text)
        .addColumn('digest', 'text', text)
        .addColumn('policy_hash', 'text', text)
        .addColumn('allowed', 'integer', required)
        .addColumn('decision', 'text', text)
        .addColumn('evaluated_at', 'bigint', required)
        .addPrimaryKeyConstraint('gate_decisions_pk', ['project', 'digest'])
        .execute();

      await db.schema
        .createTable('proxy_projects')
        .ifNotExists()
        .addColumn('project', 'text', (col) => text(col).primaryKey())
        .addColumn('url', 'text', text)
        .addColumn('credentials_secret', 'text', nullableText)
        .addColumn('created_at', 'bigint', required)
        .execute();
    },
  };
}
