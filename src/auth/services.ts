/**
 * The services of the access model (issue 11) and how they depend on one another. Each area owns
 * one folder and exports a factory that returns its service:
 *
 * | service        | folder             | factory                                               |
 * | -------------- | ------------------ | ----------------------------------------------------- |
 * | `Identity`     | `auth/identity/`   | `createIdentity({ database, secrets, audit, config })` |
 * | `Credentials`  | `auth/credentials/`| `createCredentials({ database, identity, audit })`    |
 * | `Projects`     | `auth/projects/`   | `createProjects({ database, identity, audit })`       |
 * | `Authorizer`   | `auth/projects/`   | `createAuthorizer({ projects })`                      |
 * | `AuditRecorder`, `AuditLog` | `auth/audit/` | `openAuditLog({ database, log })`              |
 * | `SecretBox`    | `auth/secrets/`    | `openSecretBox({ database, masterKey, masterKeyFile, dataDir })` |
 *
 * Queries live in `store/access/<area>.ts` (Kysely over the shared `StoreDatabase`); services
 * hold the logic; `server/api/routes/<area>.ts` the HTTP routes; `cli/admin-<area>.ts` the
 * commands. Every method that changes something records an audit event.
 */
import type {
  AuditEntry,
  AuditRecorder,
  ClientInfo,
  Principal,
  ProjectAction,
  ProjectRole,
  RobotPermission,
  TokenScope,
} from './model.js';
import type { RequestedScope } from './scope.js';

/** A user as the API shows it (never a hash or a secret). */
export interface UserInfo {
  id: string;
  username: string;
  email?: string;
  systemAdmin: boolean;
  disabled: boolean;
  totpEnabled: boolean;
  /** True while the user must enrol a second factor (configuration × admin × enrolled). */
  mustEnrolTwoFactor: boolean;
  createdAt: Date;
}

/** A user principal (what sessions, passwords and personal access tokens prove). */
export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** A new login session: the cookie's token (shown to the client once) and the CSRF token. */
export interface NewSession {
  token: string;
  csrfToken: string;
  user: UserInfo;
  mustEnrolTwoFactor: boolean;
  expiresAt: Date;
}

/** A session found from its cookie. */
export interface ActiveSession {
  principal: UserPrincipal;
  csrfToken: string;
  /** SHA-256 of the token (the session's key). */
  idHash: string;
}

/** Users, passwords, login throttling, TOTP, recovery codes and sessions. */
export interface Identity {
  /** Creates a user (actor: a system administrator, or undefined for the CLI and bootstrap). */
  createUser(
    input: { username: string; password: string; email?: string; systemAdmin?: boolean },
    actor: Principal | undefined,
    client: ClientInfo,
  ): Promise<UserInfo>;
  getUser(username: string): Promise<UserInfo | undefined>;
  getUserById(id: string): Promise<UserInfo | undefined>;
  listUsers(page: { limit: number; after?: string }): Promise<UserInfo[]>;
  /**
   * Changes a user: system administrators (and the CLI) anything, a user their own email, and
   * their own password with `currentPassword` (a stolen session alone cannot take the account).
   */
  updateUser(
    username: string,
    change: {
      password?: string;
      currentPassword?: string;
      email?: string | null;
      systemAdmin?: boolean;
      disabled?: boolean;
    },
    actor: Principal | undefined,
    client: ClientInfo,
  ): Promise<UserInfo>;
  deleteUser(username: string, actor: Principal | undefined, client: ClientInfo): Promise<void>;

  /**
   * A session login. Throws `UNAUTHENTICATED` (same message for an unknown user and a wrong
   * password), `TWO_FACTOR_REQUIRED` (enrolled, no or a wrong code), `RATE_LIMITED` (with
   * `retryAfterSeconds`). Robots cannot log in (they are not users).
   */
  login(
    input: { username: string; password: string; otp?: string },
    client: ClientInfo,
  ): Promise<NewSession>;
  /** The session a cookie token names, refreshing its idle expiry; undefined when none or expired. */
  authenticateSession(token: string): Promise<ActiveSession | undefined>;
  logout(idHash: string): Promise<void>;
  /**
   * Ends every session of a user (actor: a system administrator or the user; undefined for the
   * CLI); resolves to how many ended.
   */
  revokeSessions(
    username: string,
    actor: Principal | undefined,
    client: ClientInfo,
  ): Promise<number>;

  /**
   * The password grant of the registry (`/auth/token`, `Basic` on `/v2`): the user when the
   * password is right and the user is neither enrolled in nor required to enrol in 2FA;
   * throttled like logins (`RATE_LIMITED`); undefined otherwise.
   */
  checkRegistryPassword(
    username: string,
    password: string,
    client: ClientInfo,
  ): Promise<UserPrincipal | undefined>;

  /** Starts (or restarts) TOTP enrolment: the base32 secret, its `otpauth://` URI and a QR SVG. */
  beginTotp(
    user: UserPrincipal,
    client: ClientInfo,
  ): Promise<{ secret: string; otpauthUri: string; qrSvg: string }>;
  /** Activates the pending secret with a first valid code; the 10 recovery codes, shown once. */
  confirmTotp(
    user: UserPrincipal,
    code: string,
    client: ClientInfo,
  ): Promise<{ recoveryCodes: string[] }>;
  /** Turns TOTP off: needs the password and a current code. */
  disableTotp(
    user: UserPrincipal,
    input: { password: string; code: string },
    client: ClientInfo,
  ): Promise<void>;
}

/** A personal access token as listed (never the token). */
export interface TokenInfo {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdAt: Date;
  expiresAt?: Date;
  lastUsedAt?: Date;
  revoked: boolean;
}

/** A robot account as listed (never the secret). */
export interface RobotInfo {
  id: string;
  /** `robot$<project>+<name>` or `robot$<name>`. */
  name: string;
  project?: string;
  description?: string;
  permissions: RobotPermission[];
  disabled: boolean;
  createdAt: Date;
  expiresAt?: Date;
}

/** Personal access tokens and robot accounts, and turning registry credentials into principals. */
export interface Credentials {
  createToken(
    user: UserPrincipal,
    input: { name: string; scopes: TokenScope[]; expiresAt?: Date },
    client: ClientInfo,
  ): Promise<{ token: string; info: TokenInfo }>;
  listTokens(user: UserPrincipal): Promise<TokenInfo[]>;
  revokeToken(user: UserPrincipal, id: string, client: ClientInfo): Promise<void>;
  /** The user a token proves (with `tokenScopes`), or undefined (unknown, revoked, expired). */
  authenticateToken(token: string): Promise<UserPrincipal | undefined>;

  /**
   * Creates a robot: project level when `project` is given (permissions only in that project),
   * system level otherwise (system administrators only). The secret is shown once.
   */
  createRobot(
    actor: Principal,
    input: {
      name: string;
      project?: string;
      description?: string;
      permissions: RobotPermission[];
      expiresAt?: Date;
    },
    client: ClientInfo,
  ): Promise<{ secret: string; info: RobotInfo }>;
  listRobots(project: string | undefined): Promise<RobotInfo[]>;
  getRobot(name: string): Promise<RobotInfo | undefined>;
  /** A new secret (the old one stops working at once). */
  rotateRobotSecret(
    actor: Principal,
    name: string,
    client: ClientInfo,
  ): Promise<{ secret: string }>;
  updateRobot(
    actor: Principal,
    name: string,
    change: { permissions?: RobotPermission[]; disabled?: boolean; expiresAt?: Date | null },
    client: ClientInfo,
  ): Promise<RobotInfo>;
  deleteRobot(actor: Principal, name: string, client: ClientInfo): Promise<void>;

  /**
   * Registry credentials (`Basic` and the `/auth/token` password grant) → principal: a robot's
   * name and secret, a user's name and personal access token, or a user's password (through
   * `Identity.checkRegistryPassword`). Undefined for anything else; `RATE_LIMITED` when throttled.
   */
  authenticateRegistry(
    username: string,
    password: string,
    client: ClientInfo,
  ): Promise<Principal | undefined>;
  /**
   * The principal a registry token's `sub` names, as it is now (a robot's current permissions, a
   * user's admin flag); undefined when it no longer exists, is disabled or expired.
   */
  resolveSubject(subject: string): Promise<Principal | undefined>;
}

/** A project. */
export interface ProjectInfo {
  name: string;
  public: boolean;
  createdAt: Date;
}

/** A project member (a user or a group) with its role and granted classifications. */
export interface MemberInfo {
  project: string;
  kind: 'user' | 'group';
  /** The username or the group name. */
  name: string;
  role: ProjectRole;
  classifications: string[];
}

/** Projects, groups and memberships. */
export interface Projects {
  createProject(
    actor: Principal,
    input: { name: string; public: boolean },
    client: ClientInfo,
  ): Promise<ProjectInfo>;
  getProject(name: string): Promise<ProjectInfo | undefined>;
  /** Projects the principal may see (all for system administrators; public ones for anyone). */
  listProjects(principal: Principal): Promise<ProjectInfo[]>;
  updateProject(
    actor: Principal,
    name: string,
    change: { public?: boolean },
    client: ClientInfo,
  ): Promise<ProjectInfo>;
  deleteProject(actor: Principal, name: string, client: ClientInfo): Promise<void>;

  setMember(
    actor: Principal,
    project: string,
    member: { kind: 'user' | 'group'; name: string; role: ProjectRole; classifications?: string[] },
    client: ClientInfo,
  ): Promise<MemberInfo>;
  removeMember(
    actor: Principal,
    project: string,
    member: { kind: 'user' | 'group'; name: string },
    client: ClientInfo,
  ): Promise<void>;
  listMembers(project: string): Promise<MemberInfo[]>;

  /** Groups: named sets of users that can be project members. */
  setGroupMembers(
    actor: Principal,
    group: string,
    usernames: string[],
    client: ClientInfo,
  ): Promise<void>;
  listGroups(): Promise<{ name: string; members: string[] }[]>;

  /**
   * The principal's role and granted classifications in a project (the strongest role over the
   * user's own membership and its groups' — classifications are the union), or undefined.
   */
  membership(
    principal: Principal,
    project: string,
  ): Promise<{ role: ProjectRole; classifications: string[] } | undefined>;
}

/** The authorisation decision (the permission matrix of `docs/permissions.md`). */
export interface Authorizer {
  /** May the principal do `action` in `project`? */
  can(principal: Principal, project: string, action: ProjectAction): Promise<boolean>;
  /** Throws `ACCESS_DENIED` unless {@link can}. */
  require(principal: Principal, project: string, action: ProjectAction): Promise<void>;
  /** Throws `ACCESS_DENIED` unless the principal is a system administrator. */
  requireSystemAdmin(principal: Principal): void;
  /**
   * The registry's decision: the part of `scope` the principal may do (same resource, granted
   * actions in the order asked, possibly none). Replaces issue 10's `decide.ts`.
   */
  decide(principal: Principal, scope: RequestedScope): Promise<RequestedScope>;
  /**
   * Label-based access: undefined when the principal may receive an image with these config
   * labels from `project`, else the classification it lacks (the route answers `DENIED` naming it).
   */
  missingClassification(
    principal: Principal,
    project: string,
    labels: Record<string, string>,
  ): Promise<string | undefined>;
}

/** Filters of {@link AuditLog.query}. */
export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: string;
  since?: Date;
  until?: Date;
  /** Entries after this sequence number (paging forward). */
  afterSeq?: number;
  limit: number;
}

/** The result of verifying the audit chain. */
export type AuditVerification =
  | { ok: true; entries: number }
  | { ok: false; entries: number; firstBadSeq: number; reason: string };

/** The audit log's reading side (the writing side is {@link AuditRecorder}). */
export interface AuditLog extends AuditRecorder {
  query(filter: AuditQuery): Promise<AuditEntry[]>;
  /** Every entry in order, for the JSON Lines export. */
  entries(filter: Omit<AuditQuery, 'limit' | 'afterSeq'>): AsyncIterable<AuditEntry>;
  verify(): Promise<AuditVerification>;
}
