import { Entity, Index, ManyToOne, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';
import type { Role } from '../auth/permissions';

/** An operator's account: a person who logs in to the API (src/auth, docs/security.md). */
@Entity({ tableName: 'operator_user' })
export class User {
  @PrimaryKey({ type: t.integer })
  id!: number;

  /** Unique regardless of case (a unique index on lower(username)). */
  @Property({ type: t.string })
  username!: string;

  /** Argon2id, in its PHC string form (src/auth/secrets.ts). */
  @Property({ type: t.text, hidden: true })
  passwordHash!: string;

  @Property({ type: t.string })
  role!: Role;

  /** A banned account cannot log in, and its sessions end. */
  @Property({ type: t.boolean })
  banned: boolean & Opt = false;

  /**
   * Where the first start wrote this account's random password (`$SDES_DATA_DIR/initial-admin-password`);
   * the file is removed, and this cleared, when the password is changed.
   */
  @Property({ type: t.text, nullable: true, hidden: true })
  initialPasswordFile: string | null = null;

  @Property({ type: t.datetime })
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime })
  updatedAt: Date & Opt = new Date();

  @Property({ type: t.datetime, nullable: true })
  passwordChangedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  lastLoginAt: Date | null = null;
}

/** A login: the token's SHA-256 only, never the token. It ends on logout or after adminTimeOut minutes without a request. */
@Entity({ tableName: 'operator_session' })
export class Session {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string, unique: true })
  tokenHash!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Property({ type: t.datetime })
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime })
  lastSeenAt: Date & Opt = new Date();

  @Index()
  @Property({ type: t.datetime, nullable: true })
  endedAt: Date | null = null;

  /** logout, expired, password-changed, banned, deleted. */
  @Property({ type: t.string, nullable: true })
  endReason: string | null = null;

  @Property({ type: t.string, nullable: true })
  address: string | null = null;
}

/** A credential for scripts and legacy REST consumers: `keyId:secret` as HTTP Basic or Bearer; the secret's SHA-256 only. */
@Entity({ tableName: 'api_key' })
export class ApiKey {
  @PrimaryKey({ type: t.integer })
  id!: number;

  /** The public half, `ak_` and 16 characters. */
  @Property({ type: t.string, unique: true })
  keyId!: string;

  @Property({ type: t.string, hidden: true })
  secretHash!: string;

  @Property({ type: t.string })
  name!: string;

  @Property({ type: t.string })
  role!: Role;

  /** Who created it (username, or cli:<os user>). */
  @Property({ type: t.string })
  createdBy!: string;

  @Property({ type: t.datetime })
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime, nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  revokedAt: Date | null = null;
}

/** One line of the audit log: who did what, when, from where, and how it ended. */
@Entity({ tableName: 'audit_entry' })
export class AuditEntry {
  @PrimaryKey({ type: t.bigint })
  id!: string;

  @Index()
  @Property({ type: t.datetime })
  at!: Date;

  /** user, apikey, cli, anonymous, gateway. */
  @Property({ type: t.string })
  actorKind!: string;

  /** The username, apikey:<name>, cli:<os user>, anonymous or gateway. */
  @Index()
  @Property({ type: t.string })
  actor!: string;

  @Property({ type: t.string, nullable: true })
  role: string | null = null;

  @Property({ type: t.string, nullable: true })
  address: string | null = null;

  /** rest, graphql, graphql-ws, cli, gateway. */
  @Property({ type: t.string })
  door!: string;

  /** `auth.login`, `auth.logout`, a GraphQL root field (`createJob`) or a REST route (`PUT /v1/jobs/:jobId/enable`). */
  @Index()
  @Property({ type: t.string })
  action!: string;

  /** ok, denied (no permission), failed (refused by the service, with its error code). */
  @Property({ type: t.string })
  outcome!: string;

  @Property({ type: t.string, nullable: true })
  errorCode: string | null = null;

  /** The operation's input (path, query, body or arguments), with secrets replaced by "***". */
  @Property({ type: t.json, nullable: true })
  detail: Record<string, unknown> | null = null;
}
