import fs from 'node:fs/promises';
import { raw } from '@mikro-orm/core';
import { credentialsChanged } from '../auth/credential-cache';
import { isRole, ROLES, type Role } from '../auth/permissions';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../auth/secrets';
import { Session, User } from '../entities';
import { errors } from './errors';
import type { Page, PageRequest } from './paging';
import { entityPage } from './relation-pages';
import type { ServiceContext } from './service-context';

export interface UserInput {
  username?: string;
  password?: string;
  role?: string;
  banned?: boolean;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const MAX_PASSWORD_LENGTH = 1024;

export function checkUsername(username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username.trim())) {
    throw errors.invalid('username', '1 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)', username);
  }
  return username.trim();
}

export function checkPassword(password: unknown, field = 'password'): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw errors.invalid(field, `a string of ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  return password;
}

export function checkRole(role: unknown): Role {
  if (!isRole(role)) throw errors.invalid('role', ROLES.join(', '), role);
  return role;
}

/** Operators' accounts. Who may call what is decided by the front doors' permissions (src/auth). */
export class UserService {
  constructor(private readonly ctx: ServiceContext) {}

  async list(page: PageRequest = {}): Promise<Page<User>> {
    return entityPage(this.ctx.em, User, {}, { id: 'asc' }, page);
  }

  async get(id: number): Promise<User> {
    const user = await this.ctx.em.findOne(User, { id });
    if (!user) throw errors.notFound('user', id);
    return user;
  }

  /** By username, whatever its case; null when there is none. */
  findByUsername(username: string): Promise<User | null> {
    return this.ctx.em.findOne(User, { [raw('lower(username)')]: username.trim().toLowerCase() } as never);
  }

  async getByUsername(username: string): Promise<User> {
    const user = await this.findByUsername(username);
    if (!user) throw errors.notFound('user', username);
    return user;
  }

  async create(input: UserInput): Promise<User> {
    const username = checkUsername(input.username);
    const password = checkPassword(input.password);
    const role = checkRole(input.role ?? 'viewer');
    if (await this.findByUsername(username)) throw errors.conflict('username', `a user "${username}" already exists`);
    const now = this.ctx.clock.now();
    const user = this.ctx.em.create(User, {
      username,
      passwordHash: await hashPassword(password),
      role,
      banned: input.banned ?? false,
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: now,
    });
    await this.ctx.em.flush();
    return user;
  }

  /**
   * Changes role, banned and password. Banning ends the user's sessions; a new password ends
   * every session of the user but the caller's own. The last admin who is not banned cannot be
   * demoted, banned or deleted: an installation always keeps someone who can manage it.
   */
  async update(id: number, input: UserInput): Promise<User> {
    const user = await this.get(id);
    if (input.username !== undefined && checkUsername(input.username) !== user.username) {
      throw errors.invalid('username', 'unchanged: a username cannot be renamed (create a new user)', input.username);
    }
    const role = input.role === undefined ? user.role : checkRole(input.role);
    const banned = input.banned ?? user.banned;
    if (user.role === 'admin' && !user.banned && (role !== 'admin' || banned)) await this.keepAnAdmin(user, role !== 'admin' ? 'role' : 'banned');
    if (banned && this.isSelf(user)) throw errors.invalid('banned', 'false: you cannot ban yourself');
    user.role = role;
    user.banned = banned;
    user.updatedAt = this.ctx.clock.now();
    if (input.password !== undefined) await this.applyPassword(user, checkPassword(input.password));
    await this.ctx.em.flush();
    if (banned) await this.endSessions(user, 'banned');
    // A cached session of this user carries its old role, or holds although it ended.
    credentialsChanged();
    return user;
  }

  /** The caller changes their own password; `currentPassword` must be right. */
  async changeOwnPassword(currentPassword: string, newPassword: string): Promise<User> {
    const actor = this.ctx.actor;
    if (actor?.kind !== 'user') throw errors.invalid('credential', 'a logged-in user (an API key has no password)');
    const user = await this.get(actor.userId);
    if (typeof currentPassword !== 'string' || !(await verifyPassword(user.passwordHash, currentPassword))) {
      throw errors.invalid('currentPassword', 'your current password');
    }
    await this.applyPassword(user, checkPassword(newPassword, 'newPassword'));
    await this.ctx.em.flush();
    credentialsChanged();
    return user;
  }

  /** `sdes user passwd` and the first start: sets the password of `username`. */
  async setPassword(username: string, password: string): Promise<User> {
    const user = await this.getByUsername(username);
    await this.applyPassword(user, checkPassword(password));
    await this.ctx.em.flush();
    credentialsChanged();
    return user;
  }

  async delete(id: number): Promise<void> {
    const user = await this.get(id);
    if (this.isSelf(user)) throw errors.conflict('userId', 'you cannot delete your own account');
    if (user.role === 'admin' && !user.banned) await this.keepAnAdmin(user, 'userId');
    await this.ctx.em.removeAndFlush(user);
    credentialsChanged();
  }

  private isSelf(user: User): boolean {
    return this.ctx.actor?.kind === 'user' && this.ctx.actor.userId === user.id;
  }

  private async keepAnAdmin(user: User, field: string): Promise<void> {
    const others = await this.ctx.em.count(User, { role: 'admin', banned: false, id: { $ne: user.id } });
    if (!others) throw errors.conflict(field, `${user.username} is the last admin who is not banned: make another admin first`);
  }

  private async applyPassword(user: User, password: string): Promise<void> {
    user.passwordHash = await hashPassword(password);
    user.passwordChangedAt = this.ctx.clock.now();
    user.updatedAt = user.passwordChangedAt;
    if (user.initialPasswordFile) {
      // The first start's random password is no longer the password: its file goes.
      await fs.rm(user.initialPasswordFile, { force: true });
      user.initialPasswordFile = null;
    }
    await this.endSessions(user, 'password-changed');
  }

  /** Ends the user's open sessions, except the caller's own. */
  private async endSessions(user: User, reason: string): Promise<void> {
    const keep = this.ctx.actor?.kind === 'user' && this.ctx.actor.userId === user.id ? this.ctx.actor.sessionId : 0;
    await this.ctx.em.nativeUpdate(Session, { user: user.id, endedAt: null, id: { $ne: keep } }, { endedAt: this.ctx.clock.now(), endReason: reason });
  }
}
