/**
 * The access model of issue 11 (DESIGN §5), as types shared by every part of `auth/`, the
 * `/api/v1` routes and the CLI: roles, the actions the permission matrix decides, principals,
 * personal-access-token scopes, robot permissions and audit events. No logic here.
 */

/** A member's role in a project (Harbor's five). */
export type ProjectRole = 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'limitedGuest';

/** Every project role, most powerful first. */
export const projectRoles: readonly ProjectRole[] = [
  'projectAdmin',
  'maintainer',
  'developer',
  'guest',
  'limitedGuest',
];

/**
 * What a principal may do in a project: the rows of the permission matrix (`docs/permissions.md`,
 * `auth/projects/permissions.ts`). `pull`, `push` and `delete` are the registry's repository
 * actions; the rest are management actions of `/api/v1`.
 */
export type ProjectAction =
  | 'project:read'
  | 'project:update'
  | 'project:delete'
  | 'repository:list'
  | 'pull'
  | 'push'
  | 'delete'
  | 'scan:read'
  | 'scan:create'
  | 'member:read'
  | 'member:write'
  | 'robot:read'
  | 'robot:write'
  | 'label:read'
  | 'label:write'
  | 'policy:read'
  | 'policy:write'
  | 'audit:read';

/** Every project action, in the order `docs/permissions.md` lists them. */
export const projectActions: readonly ProjectAction[] = [
  'project:read',
  'project:update',
  'project:delete',
  'repository:list',
  'pull',
  'push',
  'delete',
  'scan:read',
  'scan:create',
  'member:read',
  'member:write',
  'robot:read',
  'robot:write',
  'label:read',
  'label:write',
  'policy:read',
  'policy:write',
  'audit:read',
];

/** A personal access token's scope. */
export type TokenScope =
  'registry:pull' | 'registry:push' | 'registry:delete' | 'api:read' | 'api:write';

/** Every token scope. */
export const tokenScopes: readonly TokenScope[] = [
  'registry:pull',
  'registry:push',
  'registry:delete',
  'api:read',
  'api:write',
];

/**
 * One entry of a robot's permission list: actions in one project (`*`: every project, system
 * robots only).
 */
export interface RobotPermission {
  project: string;
  actions: ProjectAction[];
}

/**
 * Who made a request, as authentication established it. The authorisation decision reads only
 * this (plus project membership), so authentication loads everything it needs into it.
 */
export type Principal =
  | { kind: 'anonymous'; name: '' }
  | {
      kind: 'user';
      /** The username. */
      name: string;
      /** The user's id (absent only for principals rebuilt from a registry token subject). */
      id?: string;
      systemAdmin?: boolean;
      /** How it proved itself. */
      via?: 'password' | 'session' | 'pat' | 'token';
      /** A personal access token's scopes: the principal may do no more than these. */
      tokenScopes?: TokenScope[];
      /** True while the user must enrol a second factor before anything else. */
      mustEnrolTwoFactor?: boolean;
    }
  | {
      kind: 'robot';
      /** `robot$<project>+<name>` or `robot$<name>`. */
      name: string;
      id?: string;
      /** The robot's explicit permissions; nothing else is allowed. */
      permissions: RobotPermission[];
      via?: 'secret' | 'token';
    };

/** Where a request came from, for rate limits and the audit log. */
export interface ClientInfo {
  ip: string;
  userAgent?: string;
}

/** The outcome of an audited action. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

/**
 * An audited action. Names are `<area>.<verb>`: `auth.login`, `auth.logout`, `auth.token`
 * (registry token issued), `auth.totp.enrol`, `auth.totp.disable`, `auth.session.revoke`,
 * `registry.push`, `registry.pull`, `registry.delete`, `user.create`, `user.update`,
 * `user.delete`, `project.create`, `project.update`, `project.delete`, `member.set`,
 * `member.remove`, `group.update`, `token.create`, `token.revoke`, `robot.create`,
 * `robot.rotate`, `robot.update`, `robot.delete`, `config.change`, `secrets.rotate`.
 */
export interface AuditEvent {
  /** Username, robot name, `anonymous`, or `system` for Moat itself. */
  actor: string;
  actorKind: 'user' | 'robot' | 'anonymous' | 'system';
  clientIp: string;
  action: string;
  /** What was acted on: `project/repo@sha256:…`, `user:alice`, `project:team`, … */
  target: string;
  outcome: AuditOutcome;
  /** Further facts (never a secret). */
  details?: Record<string, string | number | boolean | null>;
}

/** A stored audit entry. */
export interface AuditEntry extends AuditEvent {
  seq: number;
  time: Date;
  prevHash: string;
  hash: string;
}

/**
 * The audit log's writing side. `record` never rejects and never throws: a failure to write is
 * logged by the implementation. Entries are batched (a pull must not wait for a transaction);
 * `flush` resolves once everything recorded before it is durable.
 */
export interface AuditRecorder {
  record(event: AuditEvent): void;
  flush(): Promise<void>;
}

/** The actor fields of an audit event for a principal. */
export function auditActor(principal: Principal): Pick<AuditEvent, 'actor' | 'actorKind'> {
  return principal.kind === 'anonymous'
    ? { actor: 'anonymous', actorKind: 'anonymous' }
    : { actor: principal.name, actorKind: principal.kind };
}

/**
 * Secrets at rest (TOTP seeds, upstream credentials, signing keys): sealed with AES-256-GCM under
 * the master key and kept in the `secrets` table; other tables hold only the id.
 */
export interface SecretBox {
  /** Encrypts and stores `plaintext`; resolves to the new secret's id. */
  seal(purpose: string, plaintext: Buffer): Promise<string>;
  /** The plaintext of a stored secret; rejects when it is unknown or cannot be decrypted. */
  open(id: string): Promise<Buffer>;
  /** Removes a secret (safe on an unknown id). */
  remove(id: string): Promise<void>;
}
