/**
 * Migration `0002_access`: the access-control tables of `schema-access.ts`. Released migrations
 * never change; a later change is a new migration.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';

type Column = (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

/** Column builders that differ by engine (see `migrations.ts`). */
export interface ColumnKinds {
  text: Column;
  nullableText: Column;
}

/** The `0002_access` migration. */
export function accessMigration({ text, nullableText }: ColumnKinds): Migration {
  const required: Column = (col) => col.notNull();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .ifNotExists()
        .addColumn('id', 'text', (col) => text(col).primaryKey())
        .addColumn('username', 'text', (col) => text(col).unique())
        .addColumn('email', 'text', nullableText)
        .addColumn('password_hash', 'text', text)
        .addColumn('system_admin', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('totp_secret_id', 'text', nullableText)
        .addColumn('totp_pending_secret_id', 'text', nullableText)
        .addColumn('totp_last_step', 'bigint')
        .addColumn('created_at', 'bigint', required)
        .addColumn('updated_at', 'bigint', required)
        .execute();

      await db.schema
        .createTable('recovery_codes')
        .ifNotExists()
        .addColumn('user_id', 'text', text)
        .addColumn('code_hash', 'text', text)
        .addColumn('used_at', 'bigint')
        .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();

      await db.schema
        .createTable('login_throttle')
        .ifNotExists()
        .addColumn('key', 'text', (col) => text(col).primaryKey())
        .addColumn('failures', 'bigint', required)
        .addColumn('locked_until', 'bigint', required)
        .addColumn('updated_at', 'bigint', required)
        .execute();

      await db.schema
        .createTable('sessions')
        .ifNotExists()
        .addColumn('id_hash', 'text', (col) => text(col).primaryKey())
        .addColumn('user_id', 'text', text)
        .addColumn('csrf_token', 'text', text)
        .addColumn('client_ip', 'text', text)
        .addColumn('created_at', 'bigint', required)
        .addColumn('last_seen_at', 'bigint', required)
        .addColumn('expires_at', 'bigint', required)
        .execute();
      await db.schema
        .createIndex('sessions_user_id')
        .ifNotExists()
        .on('sessions')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('personal_access_tokens')
        .ifNotExists()
        .addColumn('id', 'text', (col) => text(col).primaryKey())
        .addColumn('user_id', 'text', text)
        .addColumn('name', 'text', text)
        .addColumn('token_hash', 'text', (col) => text(col).unique())
        .addColumn('scopes', 'text', text)
        .addColumn('created_at', 'bigint', required)
        .addColumn('expires_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('personal_access_tokens_user_id')
        .ifNotExists()
        .on('personal_access_tokens')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('robots')
        .ifNotExists()
        .addColumn('id', 'text', (col) => text(col).primaryKey())
        .addColumn('name', 'text', (col) => text(col).unique())
        .addColumn('project', 'text', nullableText)
        .addColumn('description', 'text', nullableText)
        .addColumn('secret_hash', 'text', text)
        .addColumn('permissions', 'text', text)
        .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', required)
        .addColumn('expires_at', 'bigint')
        .addColumn('updated_at', 'bigint', required)
        .execute();
      await db.schema
        .createIndex('robots_project')
        .ifNotExists()
        .on('robots')
        .column('project')
        .execute();

      await db.schema
        .createTable('projects')
        .ifNotExists()
        .addColumn('name', 'text', (col) => text(col).primaryKey())
        .addColumn('public', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', required)
        .addColumn('updated_at', 'bigint', required)
        .execute();

      await db.schema
        .createTable('groups')
        .ifNotExists()
        .addColumn('name', 'text', (col) => text(col).primaryKey())
        .addColumn('created_at', 'bigint', required)
        .execute();

      await db.schema
        .createTable('group_members')
        .ifNotExists()
        .addColumn('group_name', 'text', text)
        .addColumn('user_id', 'text', text)
        .addPrimaryKeyConstraint('group_members_pk', ['group_name', 'user_id'])
        .execute();
      await db.schema
        .createIndex('group_members_user_id')
        .ifNotExists()
        .on('group_members')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('project_members')
        .ifNotExists()
        .addColumn('project', 'text', text)
        .addColumn('member_kind', 'text', text)
        .addColumn('member_id', 'text', text)
        .addColumn('role', 'text', text)
        .addColumn('classifications', 'text', text)
        .addColumn('created_at', 'bigint', required)
        .addColumn('updated_at', 'bigint', required)
        .addPrimaryKeyConstraint('project_members_pk', ['project', 'member_kind', 'member_id'])
        .execute();
      await db.schema
        .createIndex('project_members_member')
        .ifNotExists()
        .on('project_members')
        .columns(['member_kind', 'member_id'])
        .execute();

      await db.schema
        .createTable('secrets')
        .ifNotExists()
        .addColumn('id', 'text', (col) => text(col).primaryKey())
        .addColumn('purpose', 'text', text)
        .addColumn('key_id', 'text', text)
        .addColumn('ciphertext', 'text', text)
        .addColumn('created_at', 'bigint', required)
        .addColumn('updated_at', 'bigint', required)
        .execute();

      await db.schema
        .createTable('audit_log')
        .ifNotExists()
        .addColumn('seq', 'bigint', (col) => col.notNull().primaryKey())
        .addColumn('time', 'bigint', required)
        .addColumn('actor', 'text', text)
        .addColumn('actor_kind', 'text', text)
        .addColumn('client_ip', 'text', text)
        .addColumn('action', 'text', text)
        .addColumn('target', 'text', text)
        .addColumn('outcome', 'text', text)
        .addColumn('details', 'text', nullableText)
        .addColumn('prev_hash', 'text', text)
        .addColumn('hash', 'text', text)
        .execute();
      for (const column of ['time', 'actor', 'action'] as const) {
        await db.schema
          .createIndex(`audit_log_${column}`)
          .ifNotExists()
          .on('audit_log')
          .column(column)
          .execute();
      }
    },
  };
}
