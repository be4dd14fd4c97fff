/**
 * The access-control tables (issue 11, migration `0002_access`): users and their second factor,
 * login throttling, sessions, personal access tokens, robot accounts, projects, groups and
 * members, encrypted secrets and the hash-chained audit log. Ids are random text (UUIDs), so that
 * both engines generate them the same way; booleans are integers 0/1; times are integer
 * milliseconds since the epoch; lists and maps are JSON text.
 */
import type { ColumnType } from 'kysely';

type BigIntColumn = ColumnType<number | string, number, number>;
type NullableBigInt = ColumnType<number | string | null, number | null, number | null>;
/** 0 or 1. */
type Flag = number;

interface UsersTable {
  id: string;
  /** Lower-case `[a-z0-9][a-z0-9._-]{0,63}`: no case or Unicode look-alikes. Unique. */
  username: string;
  email: string | null;
  /** argon2id PHC string. */
  password_hash: string;
  system_admin: Flag;
  disabled: Flag;
  /** `secrets.id` of the active TOTP seed, or null. */
  totp_secret_id: string | null;
  /** `secrets.id` of a seed being enrolled (active only after a first valid code), or null. */
  totp_pending_secret_id: string | null;
  /** The last TOTP time step accepted (no step is accepted twice), or null. */
  totp_last_step: NullableBigInt;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
}

interface RecoveryCodesTable {
  user_id: string;
  /** A hash of the code (never the code). */
  code_hash: string;
  used_at: NullableBigInt;
}

interface LoginThrottleTable {
  /** `user:<username>` or `ip:<address>`. */
  key: string;
  failures: BigIntColumn;
  /** No attempt is checked before this time. */
  locked_until: BigIntColumn;
  updated_at: BigIntColumn;
}

interface SessionsTable {
  /** SHA-256 (hex) of the cookie's token; the token itself is never stored. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  client_ip: string;
  created_at: BigIntColumn;
  last_seen_at: BigIntColumn;
  /** Absolute expiry. */
  expires_at: BigIntColumn;
}

interface PersonalAccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the token. Unique. */
  token_hash: string;
  /** JSON array of `registry:pull`, `registry:push`, `registry:delete`, `api:read`, `api:write`. */
  scopes: string;
  created_at: BigIntColumn;
  expires_at: NullableBigInt;
  last_used_at: NullableBigInt;
  revoked_at: NullableBigInt;
}

interface RobotsTable {
  id: string;
  /** `robot$<project>+<name>` (project level) or `robot$<name>` (system level). Unique. */
  name: string;
  /** The project of a project-level robot; null for a system-level one. */
  project: string | null;
  description: string | null;
  /** SHA-256 (hex) of the secret. */
  secret_hash: string;
  /** JSON array of `{project, actions}` (see `auth/model.ts` `RobotPermission`). */
  permissions: string;
  disabled: Flag;
  created_at: BigIntColumn;
  expires_at: NullableBigInt;
  updated_at: BigIntColumn;
}

interface ProjectsTable {
  /** The first path component of its repositories. */
  name: string;
  public: Flag;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
}

interface GroupsTable {
  name: string;
  created_at: BigIntColumn;
}

interface GroupMembersTable {
  group_name: string;
  user_id: string;
}

interface ProjectMembersTable {
  project: string;
  member_kind: 'user' | 'group';
  /** A user's id or a group's name. */
  member_id: string;
  role: string;
  /** JSON array of the classifications granted (`moat.classification` values). */
  classifications: string;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
}

interface SecretsTable {
  id: string;
  /** What it is for (`totp`, `robot`, `proxy-credentials`, `signing-key`, …). */
  purpose: string;
  /** Which master key sealed it (an id derived from the key, never the key). */
  key_id: string;
  /** AES-256-GCM envelope (base64 of nonce, ciphertext and tag). */
  ciphertext: string;
  created_at: BigIntColumn;
  updated_at: BigIntColumn;
}

interface AuditLogTable {
  /** 1, 2, 3, … without gaps: a missing number is a deleted entry. */
  seq: BigIntColumn;
  time: BigIntColumn;
  actor: string;
  actor_kind: string;
  client_ip: string;
  action: string;
  target: string;
  outcome: string;
  /** JSON object of further facts, or null. */
  details: string | null;
  /** `hash` of entry `seq - 1` ('' for the first). */
  prev_hash: string;
  /** Hash over this entry's fields and `prev_hash`. */
  hash: string;
}

/** The access-control tables, merged into `MetadataDatabase`. */
export interface AccessTables {
  users: UsersTable;
  recovery_codes: RecoveryCodesTable;
  login_throttle: LoginThrottleTable;
  sessions: SessionsTable;
  personal_access_tokens: PersonalAccessTokensTable;
  robots: RobotsTable;
  projects: ProjectsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  project_members: ProjectMembersTable;
  secrets: SecretsTable;
  audit_log: AuditLogTable;
}
