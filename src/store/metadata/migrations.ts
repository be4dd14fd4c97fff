/**
 * The metadata store's schema, one migration set for SQLite and PostgreSQL. The two engines differ
 * in two places, decided by `engine`: binary content is `blob` or `bytea`, and PostgreSQL text
 * columns use the "C" collation so that tags and repositories sort in byte order as on SQLite
 * (and so that no comparison mixes two collations).
 *
 * A migration, once released, never changes: add a new one with the next number.
 */
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';

import { accessMigration } from './migration-access.js';
import { gateMigration } from './migration-gate.js';

/** The SQL engine behind a Kysely instance. */
export type Engine = 'sqlite' | 'postgres';

type Column = (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

/** Every migration by name (names sort in the order they run). */
export function metadataMigrations(engine: Engine): Record<string, Migration> {
  const text: Column =
    engine === 'postgres'
      ? (col) => col.notNull().modifyEnd(sql`collate "C"`)
      : (col) => col.notNull();
  const nullableText: Column =
    engine === 'postgres' ? (col) => col.modifyEnd(sql`collate "C"`) : (col) => col;
  const binary = engine === 'postgres' ? 'bytea' : 'blob';
  const bigint: Column = (col) => col.notNull();

  return {
    '0001_registry': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('repositories')
          .ifNotExists()
          .addColumn('name', 'text', (col) => text(col).primaryKey())
          .addColumn('created_at', 'bigint', bigint)
          .execute();

        await db.schema
          .createTable('blobs')
          .ifNotExists()
          .addColumn('digest', 'text', (col) => text(col).primaryKey())
          .addColumn('size', 'bigint', bigint)
          .addColumn('state', 'text', text)
          .addColumn('touched_at', 'bigint', bigint)
          .execute();
        await db.schema
          .createIndex('blobs_touched_at')
          .ifNotExists()
          .on('blobs')
          .column('touched_at')
          .execute();

        await db.schema
          .createTable('repository_blobs')
          .ifNotExists()
          .addColumn('repository', 'text', text)
          .addColumn('digest', 'text', text)
          .addPrimaryKeyConstraint('repository_blobs_pk', ['repository', 'digest'])
          .execute();
        await db.schema
          .createIndex('repository_blobs_digest')
          .ifNotExists()
          .on('repository_blobs')
          .column('digest')
          .execute();

        await db.schema
          .createTable('manifests')
          .ifNotExists()
          .addColumn('repository', 'text', text)
          .addColumn('digest', 'text', text)
          .addColumn('media_type', 'text', text)
          .addColumn('artifact_type', 'text', nullableText)
          .addColumn('subject', 'text', nullableText)
          .addColumn('annotations', 'text', nullableText)
          .addColumn('content', binary, (col) => col.notNull())
          .addColumn('size', 'bigint', bigint)
          .addColumn('created_at', 'bigint', bigint)
          .addPrimaryKeyConstraint('manifests_pk', ['repository', 'digest'])
          .execute();
        await db.schema
          .createIndex('manifests_subject')
          .ifNotExists()
          .on('manifests')
          .columns(['repository', 'subject'])
          .execute();

        await db.schema
          .createTable('manifest_references')
          .ifNotExists()
          .addColumn('repository', 'text', text)
          .addColumn('manifest_digest', 'text', text)
          .addColumn('digest', 'text', text)
          .addColumn('kind', 'text', text)
          .addPrimaryKeyConstraint('manifest_references_pk', [
            'repository',
            'manifest_digest',
            'digest',
          ])
          .execute();
        await db.schema
          .createIndex('manifest_references_digest')
          .ifNotExists()
          .on('manifest_references')
          .column('digest')
          .execute();

        await db.schema
          .createTable('tags')
          .ifNotExists()
          .addColumn('repository', 'text', text)
          .addColumn('name', 'text', text)
          .addColumn('digest', 'text', text)
          .addColumn('updated_at', 'bigint', bigint)
          .addPrimaryKeyConstraint('tags_pk', ['repository', 'name'])
          .execute();
        await db.schema
          .createIndex('tags_digest')
          .ifNotExists()
          .on('tags')
          .columns(['repository', 'digest'])
          .execute();

        await db.schema
          .createTable('uploads')
          .ifNotExists()
          .addColumn('id', 'text', (col) => text(col).primaryKey())
          .addColumn('repository', 'text', text)
          .addColumn('created_at', 'bigint', bigint)
          .addColumn('updated_at', 'bigint', bigint)
          .execute();
        await db.schema
          .createIndex('uploads_updated_at')
          .ifNotExists()
          .on('uploads')
          .column('updated_at')
          .execute();

        await db.schema
          .createTable('settings')
          .ifNotExists()
          .addColumn('key', 'text', (col) => text(col).primaryKey())
          .addColumn('value', 'text', text)
          .execute();
      },
    },
    '0002_access': accessMigration({ text, nullableText }),
    '0003_gate': gateMigration({ text, nullableText, binary }),
  };
}
